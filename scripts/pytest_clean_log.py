"""pytest plugin, loaded by scripts/test: the run fails on any WARNING, ERROR or
CRITICAL record logged while the tests run, but Odoo's own notices (the list of
scripts/check_odoo_log.py). What scripts/test-odoo-runner asks of Odoo's runner's
log, asked of pytest's. A test that expects a warning says so (assertLogs) or mutes
it (mute_logger): neither reaches this handler."""
import logging

import pytest
from check_odoo_log import is_odoo_notice


class WarningCollector(logging.Handler):

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []
        self.test = "(outside a test)"

    def emit(self, record):
        message = record.getMessage()
        if not is_odoo_notice(record.name, message):
            self.records.append((self.test, record.levelname, record.name, message.splitlines()[0][:300]))


collector = WarningCollector()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # Attached here, not at start-up: Odoo sets its logging up (and the root's handlers) late.
    # pytest-odoo runs Odoo's loggers at CRITICAL (its --odoo-log-level): from the first test
    # on, at WARNING, so that the tests' warnings are seen (pytest-odoo's own start-up, which
    # imports Odoo's test framework before its test mode is set, stays quiet).
    root = logging.getLogger()
    if collector not in root.handlers:
        root.addHandler(collector)
        logging.getLogger("odoo").setLevel(logging.WARNING)
    collector.test = item.nodeid
    yield
    collector.test = "(outside a test)"


def pytest_sessionfinish(session, exitstatus):
    if collector.records and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if not collector.records:
        terminalreporter.write_line("log: no WARNING, ERROR or CRITICAL line during the tests")
        return
    terminalreporter.section("WARNING, ERROR or CRITICAL lines logged during the tests", red=True)
    for test, level, name, message in collector.records[:60]:
        terminalreporter.write_line(f"{level} {name}: {message}  [{test}]")
    if len(collector.records) > 60:
        terminalreporter.write_line(f"… and {len(collector.records) - 60} more")
