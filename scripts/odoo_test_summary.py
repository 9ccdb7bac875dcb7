#!/usr/bin/env python3
"""The result of the add-on's tests in the log of Odoo's runner:

    odoo_test_summary.py LOG ODOO_BIN_EXIT_CODE [LABEL]

Prints the counts and the skipped tests (with their reasons); exits 1 when a test
failed or erred, when no test ran, or when odoo-bin exited with an error.
"""
import re
import sys

RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) \S+ (\S+): (.*)$", re.M)
RESULT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")


def main():
    path, status = sys.argv[1], int(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else "odoo-runner"
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    ran = RESULT.findall(text)
    skipped = [m.group(3)[len("skipped "):] for m in RECORD.finditer(text) if m.group(3).startswith("skipped ")]
    failed = sum(int(f) + int(e) for f, e, _n in ran)
    tests = sum(int(n) for _f, _e, n in ran)
    print(f"{label}: {tests} tests, {len(skipped)} skipped, {failed} failed or in error, odoo-bin exit code {status}")
    print(f"  {len(skipped)} skipped:")
    for line in skipped:
        print("    " + line[:300])
    if not ran:
        print("  no test result in the log: the module did not install or no test ran")
    return 1 if (failed or status or not ran or not tests) else 0


if __name__ == "__main__":
    sys.exit(main())
