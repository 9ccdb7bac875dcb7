# Shared by scripts/run and scripts/test: where Odoo is, and the addons folder
# that exposes this repository under its module name.
# shellcheck shell=bash

MODULE=crm_missed_call_textback
MODULE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# An Odoo 18.0 source tree (holding odoo-bin) and the Python environment that runs it.
ODOO_HOME=${ODOO_HOME:-/opt/odoo/18.0}
ODOO_VENV=${ODOO_VENV:-/opt/odoo/venv}
ODOO_PYTHON=${ODOO_PYTHON:-$ODOO_VENV/bin/python}
# Everything generated (config, addons link, Twilio stand-in, logs) lives here, outside the repository.
MCTB_WORK_DIR=${MCTB_WORK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/$MODULE}

die() { echo "error: $*" >&2; exit 2; }

require_odoo() {
    [ -f "$ODOO_HOME/odoo-bin" ] || die "no Odoo 18.0 at ODOO_HOME=$ODOO_HOME (expected $ODOO_HOME/odoo-bin).
  Point ODOO_HOME at an Odoo 18.0 source tree, and ODOO_VENV at the Python environment that runs it."
    [ -x "$ODOO_PYTHON" ] || die "no Python at $ODOO_PYTHON: set ODOO_VENV (or ODOO_PYTHON) to Odoo's environment."
    local version
    version=$(cd "$ODOO_HOME" && "$ODOO_PYTHON" -c 'import odoo.release as r; print(r.serie)' 2>/dev/null) \
        || die "Odoo at $ODOO_HOME does not import with $ODOO_PYTHON: install Odoo's requirements there."
    [ "$version" = "18.0" ] || die "Odoo at $ODOO_HOME is $version; this add-on is for 18.0."
    "$ODOO_PYTHON" -c 'import twilio, phonenumbers' 2>/dev/null \
        || die "twilio or phonenumbers is missing: $ODOO_PYTHON -m pip install -r $MODULE_DIR/requirements.txt"
    psql -d postgres -Atc 'select 1' >/dev/null 2>&1 \
        || die "PostgreSQL does not accept the role '$(id -un)': create it (su postgres -c 'createuser -s $(id -un)')."
}

# Odoo names a module after its folder: link this repository as $MODULE in an addons folder of its own.
setup_addons_dir() {
    local key
    key=$(printf '%s' "$MODULE_DIR" | sha1sum | cut -c1-12)
    ADDONS_DIR="$MCTB_WORK_DIR/addons-$key"
    mkdir -p "$ADDONS_DIR"
    ln -sfn "$MODULE_DIR" "$ADDONS_DIR/$MODULE"
    local addons_path="$ODOO_HOME/odoo/addons"
    [ -d "$ODOO_HOME/addons" ] && addons_path="$ODOO_HOME/addons,$addons_path"
    ODOO_CONF="$MCTB_WORK_DIR/odoo-$key.conf"
    cat > "$ODOO_CONF" <<CONF
[options]
addons_path = $addons_path,$ADDONS_DIR
data_dir = $MCTB_WORK_DIR/data
db_user = ${PGUSER:-$(id -un)}
http_interface = 127.0.0.1
CONF
    export PYTHONPATH="$ODOO_HOME${PYTHONPATH:+:$PYTHONPATH}"
}

odoo_bin() {
    "$ODOO_PYTHON" "$ODOO_HOME/odoo-bin" -c "$ODOO_CONF" "$@"
}

free_port() {
    "$ODOO_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
