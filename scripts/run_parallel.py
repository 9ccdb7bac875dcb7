#!/usr/bin/env python3
"""Run shell commands at once, a few at a time, as .ci/run's checks:

    run_parallel.py --parallel N --logs DIR NAME=COMMAND [NAME=COMMAND ...]

Commands start in the order given (the longest first keeps the machine busy to the
end), at most N at a time. The output of each goes to DIR/NAME.log and is printed
whole, under its name, as soon as it ends, so that the outputs of two commands never
mix. Then a summary: each command's result and time, with the lines of its output
that say what it checked (the lines SUMMARY_LINES matches). Exits 1 when a command
failed.
"""
import argparse
import os
import re
import subprocess
import sys
import time

# The lines of the checks' outputs that say what they found.
SUMMARY_LINES = re.compile(
    r"^(=+ .*(passed|failed|error).* in [0-9.]+s|fault-injection: .*|odoo-runner: .*|upgrade: .*|uninstall: .*|"
    r"log of .*|log: .*|Passed|Failed|.*\.{4,}(Passed|Failed))")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--logs", required=True)
    parser.add_argument("jobs", nargs="+", metavar="NAME=COMMAND")
    args = parser.parse_args()
    waiting = [job.split("=", 1) for job in args.jobs]
    running, done = {}, []
    started_all = time.monotonic()
    while waiting or running:
        while waiting and len(running) < args.parallel:
            name, command = waiting.pop(0)
            log = open(os.path.join(args.logs, f"{name}.log"), "wb")  # noqa: SIM115 (closed when it ends)
            print(f"--- {name}: started ({len(running) + 1} running)", file=sys.stderr, flush=True)
            process = subprocess.Popen(["bash", "-c", command], stdout=log, stderr=subprocess.STDOUT)
            running[process] = (name, log, time.monotonic())
        for process in list(running):
            if process.poll() is None:
                continue
            name, log, started = running.pop(process)
            log.close()
            seconds = round(time.monotonic() - started)
            result = "passed" if process.returncode == 0 else f"FAILED (exit {process.returncode})"
            print(f"=== {name}: {result} in {seconds} s", file=sys.stderr, flush=True)
            with open(log.name, encoding="utf-8", errors="replace") as f:
                output = f.read()
            sys.stdout.write(output)
            sys.stdout.flush()
            done.append((name, result, seconds, [line for line in output.splitlines() if SUMMARY_LINES.match(line)]))
        time.sleep(0.5)
    print("\n=== Summary", file=sys.stderr)
    for name, result, seconds, lines in done:
        print(f"{name:28} {result} ({seconds} s)", file=sys.stderr)
        for line in lines:
            print(f"    {line[:200]}", file=sys.stderr)
    print(f"in all: {round(time.monotonic() - started_all)} s, at most {args.parallel} at a time", file=sys.stderr)
    return 1 if any(result != "passed" for _name, result, _s, _l in done) else 0


if __name__ == "__main__":
    sys.exit(main())
