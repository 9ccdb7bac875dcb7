#!/usr/bin/env python3
"""Fail on any WARNING, ERROR or CRITICAL line of an Odoo log, but Odoo's own notices.

    check_odoo_log.py LOG STAGE [--allow LOGGER PATTERN ...]

STAGE names what the log is of (install, update, tests, uninstall…), for the
report. Odoo's own notices are listed below, each by its logger and message,
with the reason it is not the add-on's: everything else fails, including a
warning Odoo logs about the add-on (two fields with one label, a domain given a
NewId, a DeprecationWarning raised in its code, a translation asked without a
language) and the ERROR lines of Odoo's test runner. ``--allow`` adds a notice a
caller knows it causes (a test harness's own requests, say). Prints the offending
records (their first lines) and exits 1, or prints one summary line and exits 0.
"""
import argparse
import re
import sys

RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>\S+): (?P<message>.*)$")
LEVELS = ("WARNING", "ERROR", "CRITICAL")

# Odoo's own notices: (logger, message pattern, why it is not the add-on's).
ODOO_NOTICES = [
    ("odoo.tools.config", r"missing http_interface",
     "Odoo 19 asks every configuration to name its HTTP interface"),
    ("py.warnings", r"(?:/odoo/addons/|/odoo/tests/|/odoo/tools/|/site-packages/werkzeug/)[^:]*:\d+: "
                    r"DeprecationWarning: 'werkzeug\.urls\.",
     "Odoo 18's own code calls werkzeug.urls, which the Werkzeug its requirements pin deprecates"),
    ("odoo.modules.loading", r"^Transient module states were reset$",
     "a database copied while Odoo ran left a module state behind: Odoo resets it"),
]


def is_odoo_notice(logger, message, allowed=()):
    return any(logger == name and re.search(pattern, message)
               for name, pattern, *_why in (*ODOO_NOTICES, *allowed))


def offending_records(text, allowed=()):
    """(level, logger, first line) of each WARNING+ record that is not Odoo's own notice
    (nor one of ``allowed``, (logger, pattern) pairs)."""
    found = []
    for line in text.splitlines():
        match = RECORD.match(line)
        if not match or match["level"] not in LEVELS:
            continue
        if is_odoo_notice(match["logger"], match["message"], allowed):
            continue
        found.append((match["level"], match["logger"], line))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log")
    parser.add_argument("stage")
    parser.add_argument("--allow", nargs=2, action="append", default=[], metavar=("LOGGER", "PATTERN"))
    args = parser.parse_args()
    with open(args.log, encoding="utf-8", errors="replace") as f:
        found = offending_records(f.read(), [tuple(pair) for pair in args.allow])
    if not found:
        print(f"log of {args.stage}: no WARNING, ERROR or CRITICAL line ({args.log})")
        return 0
    print(f"log of {args.stage}: {len(found)} WARNING, ERROR or CRITICAL line(s) ({args.log}):")
    for _level, _logger, line in found[:40]:
        print("    " + line[:400])
    if len(found) > 40:
        print(f"    … and {len(found) - 40} more")
    return 1


if __name__ == "__main__":
    sys.exit(main())
