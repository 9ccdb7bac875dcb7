# Starts the Twilio API stand-in: Prism serving Twilio's official OpenAPI description
# (shipped by npm @twilio-alpha/mcp), so each request our twilio client makes is
# validated against Twilio's own spec. Sourced by scripts/test after scripts/lib.sh.
# shellcheck shell=bash

# Installs Prism (npm ci, pinned by package-lock.json) and writes the description it
# serves, once: runs started at once (.ci/run) wait for the first.
install_twilio_stand_in() {
    local src dir
    src="$MODULE_DIR/scripts/twilio-stand-in"
    dir="$MCTB_WORK_DIR/twilio-stand-in"
    require_system_tool npm "nodejs npm" "the Twilio API stand-in runs on Node.js 18 or newer"
    mkdir -p "$dir"
    exec {lock}>"$dir.lock"
    flock "$lock"
    if ! cmp -s "$src/package-lock.json" "$dir/package-lock.json" || [ ! -x "$dir/node_modules/.bin/prism" ]; then
        echo "Installing the Twilio API stand-in (Prism) in $dir" >&2
        cp "$src/package.json" "$src/package-lock.json" "$dir/"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed in $dir"
    fi
    # Twilio's REST API (Messages) and Lookup v2 (line type), in one description.
    local specs="$dir/node_modules/@twilio-alpha/mcp/twilio-oai/spec/json"
    TWILIO_SPEC="$dir/twilio_api.json"
    "$ODOO_PYTHON" "$src/merge_specs.py" "$TWILIO_SPEC.tmp" \
        "$specs/twilio_api_v2010.json" "$specs/twilio_lookups_v2.json" \
        || die "could not read Twilio's OpenAPI descriptions in $specs"
    mv "$TWILIO_SPEC.tmp" "$TWILIO_SPEC"
    flock -u "$lock"
    exec {lock}>&-
}

start_twilio_stand_in() {
    local dir port log
    dir="$MCTB_WORK_DIR/twilio-stand-in"
    install_twilio_stand_in
    port=$(free_port)
    log="$MCTB_WORK_DIR/twilio-stand-in-$ODOO_VERSION.log"
    "$dir/node_modules/.bin/prism" mock --host 127.0.0.1 --port "$port" "$TWILIO_SPEC" >"$log" 2>&1 &
    TWILIO_STAND_IN_PID=$!
    for _ in $(seq 1 120); do
        if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
            export MCTB_TWILIO_STAND_IN_URL="http://127.0.0.1:$port"
            echo "Twilio API stand-in on $MCTB_TWILIO_STAND_IN_URL (log: $log)" >&2
            return 0
        fi
        kill -0 "$TWILIO_STAND_IN_PID" 2>/dev/null || { cat "$log" >&2; die "the Twilio API stand-in did not start"; }
        sleep 0.5
    done
    die "the Twilio API stand-in did not answer within 60 s (log: $log)"
}

stop_twilio_stand_in() {
    [ -n "${TWILIO_STAND_IN_PID:-}" ] && kill "$TWILIO_STAND_IN_PID" 2>/dev/null || true
}
