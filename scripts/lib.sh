# Shared by scripts/run and scripts/test: where Odoo is, and the addons folder
# that exposes this repository under its module name.
# shellcheck shell=bash

MODULE=crm_missed_call_textback
MODULE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The Odoo series to run (18.0 or 19.0; the newest by default), its source tree
# (holding odoo-bin) and the Python environment that runs it. A missing tree or
# environment is set up by scripts/setup_odoo.py, from ODOO_REPO at ODOO_REF
# (Odoo's official repository and the series branch by default).
SUPPORTED_SERIES="18.0 19.0"
ODOO_VERSION=${ODOO_VERSION:-19.0}
case " $SUPPORTED_SERIES " in
    *" $ODOO_VERSION "*) ;;
    *) echo "error: ODOO_VERSION=$ODOO_VERSION: this add-on supports Odoo $SUPPORTED_SERIES" >&2; exit 2 ;;
esac
ODOO_HOME=${ODOO_HOME:-/opt/odoo/$ODOO_VERSION}
if [ "$ODOO_VERSION" = 18.0 ]; then ODOO_VENV=${ODOO_VENV:-/opt/odoo/venv}; else ODOO_VENV=${ODOO_VENV:-/opt/odoo/venv${ODOO_VERSION%%.*}}; fi
ODOO_PYTHON=${ODOO_PYTHON:-$ODOO_VENV/bin/python}
# Everything generated (config, addons link, Twilio stand-in, logs) lives here, outside the repository.
MCTB_WORK_DIR=${MCTB_WORK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/$MODULE}

die() { echo "error: $*" >&2; exit 2; }

# Sets up what is missing (Odoo's source, its Python environment with the add-on's
# and the tests' requirements, the PostgreSQL role), then checks it all answers.
require_odoo() {
    local setup_python
    setup_python=$(command -v python3) || die "python3 is needed to set up Odoo"
    "$setup_python" "$MODULE_DIR/scripts/setup_odoo.py" --series "$ODOO_VERSION" \
        --home "$ODOO_HOME" --venv "$ODOO_VENV" --module-dir "$MODULE_DIR" \
        || die "could not set up Odoo $ODOO_VERSION (see above)"
    [ -x "$ODOO_PYTHON" ] || die "no Python at $ODOO_PYTHON: set ODOO_VENV (or ODOO_PYTHON) to Odoo's environment."
    local version
    version=$(cd "$ODOO_HOME" && "$ODOO_PYTHON" -c 'import odoo.release as r; print(r.serie)' 2>/dev/null) \
        || die "Odoo at $ODOO_HOME does not import with $ODOO_PYTHON: install Odoo's requirements there."
    [ "$version" = "$ODOO_VERSION" ] || die "Odoo at $ODOO_HOME is $version, not ODOO_VERSION=$ODOO_VERSION."
    "$ODOO_PYTHON" -c 'import twilio, phonenumbers' 2>/dev/null \
        || die "twilio or phonenumbers is missing: $ODOO_PYTHON -m pip install -r $MODULE_DIR/requirements.txt"
    require_postgresql
}

require_postgresql() {
    local role
    role=${PGUSER:-$(id -un)}
    command -v psql >/dev/null \
        || die "PostgreSQL is not installed: apt-get install postgresql (then start it and run this again)."
    psql -d postgres -Atc 'select 1' >/dev/null 2>&1 && return 0
    if [ "$role" = "$(id -un)" ] && [ "$(id -u)" = 0 ] && command -v su >/dev/null \
        && su postgres -c "createuser -s $role" >/dev/null 2>&1; then
        echo "Created the PostgreSQL superuser role $role" >&2
    fi
    psql -d postgres -Atc 'select 1' >/dev/null 2>&1 \
        || die "PostgreSQL refuses the role '$role' or is not running: start it, then su postgres -c 'createuser -s $role'."
}

# require_system_tool COMMAND PACKAGES WHY: installs Debian's PACKAGES when COMMAND is
# missing (as root, with apt-get), else stops with the one line to run.
require_system_tool() {
    local command=$1 packages=$2 why=$3
    command -v "$command" >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing $packages ($why)" >&2
        # shellcheck disable=SC2086  # one word per package
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null; } \
            && command -v "$command" >/dev/null && return 0
    fi
    die "$command is missing ($why): apt-get install $packages"
}

# The browser tours run in headless Chromium.
require_chromium() {
    command -v chromium >/dev/null || command -v google-chrome >/dev/null \
        || require_system_tool chromium chromium "the browser tours run in it"
}

# Odoo names a module after its folder: link this repository as $MODULE in an addons folder of its own.
setup_addons_dir() {
    local key
    key=$(printf '%s|%s' "$MODULE_DIR" "$ODOO_HOME" | sha1sum | cut -c1-12)
    ADDONS_DIR="$MCTB_WORK_DIR/addons-$key"
    mkdir -p "$ADDONS_DIR"
    # Left as they are when right: runs started at once (.ci/run) read them meanwhile.
    [ "$(readlink "$ADDONS_DIR/$MODULE")" = "$MODULE_DIR" ] || ln -sfn "$MODULE_DIR" "$ADDONS_DIR/$MODULE"
    ODOO_CONF="$MCTB_WORK_DIR/odoo-$key.conf"
    write_odoo_conf "$ODOO_CONF" "$ADDONS_DIR"
    export PYTHONPATH="$ODOO_HOME${PYTHONPATH:+:$PYTHONPATH}"
}

# write_odoo_conf CONF ADDONS_DIR: an Odoo configuration with Odoo's addons and ADDONS_DIR.
write_odoo_conf() {
    local conf=$1 addons_dir=$2 addons_path="$ODOO_HOME/odoo/addons"
    [ -d "$ODOO_HOME/addons" ] && addons_path="$ODOO_HOME/addons,$addons_path"
    cat > "$conf.$$" <<CONF
[options]
addons_path = $addons_path,$addons_dir
data_dir = $MCTB_WORK_DIR/data
db_user = ${PGUSER:-$(id -un)}
http_interface = 127.0.0.1
CONF
    mv "$conf.$$" "$conf"  # whole, for a run reading it meanwhile
}

# module_at REF: an addons folder holding the add-on as it was at REF, a commit of this
# repository (extracted once); prints its path.
module_at() {
    local ref=$1 commit dir
    commit=$(git -C "$MODULE_DIR" rev-parse --verify --quiet "$ref^{commit}") \
        || die "$ref is not a commit of $MODULE_DIR: a shallow clone lacks it (git fetch --unshallow)"
    dir="$MCTB_WORK_DIR/at-${commit:0:12}"
    if [ ! -d "$dir/$MODULE" ]; then
        rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/$MODULE"
        git -C "$MODULE_DIR" archive "$commit" | tar -x -C "$dir.tmp/$MODULE"
        rm -rf "$dir" && mv "$dir.tmp" "$dir"
    fi
    echo "$dir"
}

# ensure_template DB MODULES with|without: a database with MODULES installed, with or
# without their demo data, made once and kept (a test copies it: createdb -T).
ensure_template() {
    local db=$1 modules=$2 demo=$3
    template_exists "$db" && return 0
    # Runs started at once (.ci/run) make it once: the others wait for it.
    mkdir -p "$MCTB_WORK_DIR"
    exec {lock}>"$MCTB_WORK_DIR/$db.lock"
    flock "$lock"
    if ! template_exists "$db"; then
        echo "Creating the template database $db ($modules, demo data: $demo), once" >&2
        dropdb --if-exists "${db}_tmp"
        install_modules "${db}_tmp" "$modules" $(demo_flag "$demo") --log-level=warn
        # Its asset bundles too: a copy then makes only those the add-on's assets change.
        pregenerate_assets "${db}_tmp"
        psql -d postgres -qc "ALTER DATABASE ${db}_tmp RENAME TO $db"
    fi
    flock -u "$lock"
    exec {lock}>&-
}

template_exists() {
    psql -d postgres -Atc "select 1 from pg_database where datname = '$1'" | grep -q 1
}

# template_db PREFIX MODULES with|without: the name of the template database of MODULES
# (with or without demo data) on this Odoo and Python.
template_db() {
    local key
    # "assets": templates hold their generated asset bundles (made anew when this changes).
    key=$(printf '%s|%s|%s|%s|assets' "$2" "$(sha1sum "$ODOO_HOME/odoo/release.py")" "$ODOO_PYTHON" "$3" \
        | sha1sum | cut -c1-10)
    echo "${1}_$key"
}

# pregenerate_assets DB [BUNDLE...]: asset bundles (all those Odoo's pages call, by
# default) generated and committed now, as Odoo's runner does before its browser tests:
# a bundle generated in a test's transaction is rolled back with it, and made again by
# the next test.
pregenerate_assets() {
    local db=$1 code
    shift
    if [ $# -eq 0 ]; then
        code="env['ir.qweb']._pregenerate_assets_bundles()"
    else
        code="for b in '$*'.split(): env['ir.qweb']._get_asset_bundle(b).js(); env['ir.qweb']._get_asset_bundle(b).css()"
    fi
    printf '%s\nenv.cr.commit()\n' "$code" \
        | "$ODOO_PYTHON" "$ODOO_HOME/odoo-bin" shell -c "$ODOO_CONF" -d "$db" --no-http --log-level=warn >/dev/null \
        || die "could not generate the asset bundles of $db"
}

# as_odoo_builds ODOO-BIN-ARGS...: odoo-bin as Odoo.sh and OCA-style builds run the tests:
# without the Twilio API stand-in (no npm there) nor Hypothesis (a shadowing package that
# fails to import hides it here); the tests that need them are reported as skipped.
as_odoo_builds() {
    local hidden="$MCTB_WORK_DIR/hidden-test-tools"
    if [ ! -f "$hidden/hypothesis/__init__.py" ]; then
        mkdir -p "$hidden/hypothesis"
        echo 'raise ImportError("Hypothesis is hidden: Odoo.sh and OCA-style builds do not install it")' \
            > "$hidden/hypothesis/__init__.py.$$"
        mv "$hidden/hypothesis/__init__.py.$$" "$hidden/hypothesis/__init__.py"
    fi
    env -u MCTB_TWILIO_STAND_IN_URL PYTHONPATH="$hidden:$PYTHONPATH" "$ODOO_PYTHON" "$ODOO_HOME/odoo-bin" "$@"
}

# test_summary LOG ODOO_BIN_EXIT_CODE [LABEL]: the tests' counts and skips in Odoo's log; fails on a failure.
test_summary() {
    "$ODOO_PYTHON" "$MODULE_DIR/scripts/odoo_test_summary.py" "$@"
}

# check_log LOG STAGE [--allow LOGGER PATTERN ...]: fails on a WARNING, ERROR or CRITICAL
# line that is not Odoo's own notice (nor one allowed).
check_log() {
    "$ODOO_PYTHON" "$MODULE_DIR/scripts/check_odoo_log.py" "$@"
}

odoo_bin() {
    "$ODOO_PYTHON" "$ODOO_HOME/odoo-bin" -c "$ODOO_CONF" "$@"
}

free_port() {
    "$ODOO_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Odoo's demo-data switch for new databases: 18.0 loads demo data unless told
# not to, 19.0 only when asked. Usage: $(demo_flag with|without)
demo_flag() {
    case "$ODOO_VERSION:$1" in
        18.0:with) ;;
        18.0:without) echo "--without-demo=all" ;;
        *:with) echo "--with-demo" ;;
        *:without) echo "--without-demo" ;;
    esac
}

# Installs (or updates) modules on a database and checks that they are installed:
# Odoo exits 0 even when it skips a module it finds not installable.
#   install_modules DB MODULES [odoo-bin options...]
install_modules() {
    local db=$1 modules=$2 name state
    shift 2
    odoo_bin -d "$db" -i "$modules" --stop-after-init --http-port="$(free_port)" "$@" \
        || die "installing $modules on $db failed (see the log above)"
    for name in ${modules//,/ }; do
        state=$(psql -d "$db" -Atc "select state from ir_module_module where name = '$name'")
        [ "$state" = installed ] || die "$name is '${state:-unknown}' on $db after the install, not installed \
(Odoo $ODOO_VERSION skips a module it finds not installable: see the log above)"
    done
}

# The add-on's dependencies, and with them what the test databases also get: Odoo's
# Twilio SMS (sms_twilio, from Odoo 19) wherever this Odoo has it, since the add-on
# shares its Twilio account (tests/test_sms_twilio_account.py).
module_depends() {
    "$ODOO_PYTHON" -c "import ast; print(','.join(ast.literal_eval(open('$MODULE_DIR/__manifest__.py').read())['depends']))"
}
test_modules() {
    local modules name
    modules=$(module_depends)
    for name in sms_twilio; do
        if [ -d "$ODOO_HOME/addons/$name" ] || [ -d "$ODOO_HOME/odoo/addons/$name" ]; then modules="$modules,$name"; fi
    done
    echo "$modules"
}
