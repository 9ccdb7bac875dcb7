"""Shared set-up of the add-on's tests: the suite's clock, a US company connected
to Twilio, a New York business-hours calendar, a phone line, and the one boundary
the model tests replace, the call that sends a text through Twilio."""
import atexit
import datetime as dt
import os
import time
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

import freezegun.api
from freezegun import freeze_time
from twilio.request_validator import RequestValidator

from odoo.tests import TransactionCase, new_test_user

from ..tools import twilio_api
from .twilio_fake import FAKE_TWILIO_URL, RECORDING_MEDIA, FakeTwilio, recording_media_response

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
OTHER_ACCOUNT_SID = "AC" + "2" * 32
OTHER_AUTH_TOKEN = "fedcba9876543210fedcba9876543210"

LINE_NUMBER = "+14155550100"
FORWARD_TO = "+14155550199"
CALLER = "+14155550123"

# The suite's clock. Every test runs in the last week of November 2026, whatever the day
# it runs on: the dates of its calls are that week's (scenario()), and the clock of each
# test class is set, ticking, to TEST_NOW (SuiteClock). MCTB_TEST_DAYS_AHEAD=N moves the
# process's own clock N days ahead, and that week with it (by whole weeks: a Wednesday
# stays a Wednesday): a test that compares a date it did not take from scenario() with
# "now", or that reads the real date somewhere (the database's, the browser's), fails.
DAYS_AHEAD = int(os.environ.get("MCTB_TEST_DAYS_AHEAD") or 0)
SCENARIO_SHIFT = timedelta(weeks=round(DAYS_AHEAD / 7))
if DAYS_AHEAD and not getattr(dt, "_mctb_moved_clock", None):
    dt._mctb_moved_clock = freeze_time(dt.datetime.now() + timedelta(days=DAYS_AHEAD), tick=True)
    dt._mctb_moved_clock.start()
    atexit.register(dt._mctb_moved_clock.stop)


def scenario(*args):
    """A moment of the suite's week (UTC), moved with the clock (MCTB_TEST_DAYS_AHEAD)."""
    return dt.datetime(*args) + SCENARIO_SHIFT


# Wednesday 25 November 2026 in New York (UTC-5).
WEDNESDAY_10AM_NY = scenario(2026, 11, 25, 15, 0)
WEDNESDAY_12_30PM_NY = scenario(2026, 11, 25, 17, 30)  # lunch break
TUESDAY_10PM_NY = scenario(2026, 11, 25, 3, 0)
FRIDAY_6PM_NY = scenario(2026, 11, 27, 23, 0)
# "Now" in every test: Monday 30 November 2026, noon in New York, after the calls above.
TEST_NOW = scenario(2026, 11, 30, 17, 0)


# Where the add-on says what it refused or could not do.
WEBHOOK_LOGGER = "odoo.addons.crm_missed_call_textback.controllers.twilio_webhook"
CALL_LOG_LOGGER = "odoo.addons.crm_missed_call_textback.models.crm_call_log"


def call_sid(n):
    return f"CA{n:032x}"


def message_sid(n):
    return f"SM{n:032x}"


def twilio_signature(auth_token, url, params):
    """X-Twilio-Signature, computed exactly as Twilio computes it."""
    return RequestValidator(auth_token).compute_signature(url, params)


# The Twilio API stand-in (Prism validating every request against Twilio's OpenAPI
# description), started by scripts/test; without it (Odoo's own test runner), the fake.
TWILIO_STAND_IN_URL = os.environ.get("MCTB_TWILIO_STAND_IN_URL")
TWILIO_API_URL = TWILIO_STAND_IN_URL or FAKE_TWILIO_URL
NO_STAND_IN = "needs the Twilio API stand-in (Prism, from npm), which scripts/test starts"


class TwilioApiMixin:
    """For test classes whose code talks to Twilio's API: points the twilio client at the
    stand-in when it runs, else at the fake, answered at Odoo's test boundary for
    outgoing HTTP (``_request_handler``). ``twilio_requests``: what the fake received."""

    fake_twilio = FakeTwilio()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("crm_missed_call_textback.twilio_api_base_url", TWILIO_API_URL)

    media_downloads = []

    @staticmethod
    def spy_requests():
        """Spy on the HTTP requests the twilio client sends (they still reach the stand-in or the fake)."""
        return patch.object(twilio_api.OdooTwilioHttpClient, "request", autospec=True,
                            side_effect=twilio_api.OdooTwilioHttpClient.request)

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        media = RECORDING_MEDIA.search(urlsplit(r.url).path)
        if media and r.url.startswith(TWILIO_API_URL) and r.method == "GET":
            cls.media_downloads.append(media.group(1))
            return recording_media_response(r)
        if cls.fake_twilio.handles(r.url):
            return cls.fake_twilio.answer(r)
        return super()._request_handler(s, r, **kw)


def give_mail_domain(env, companies):
    """A mail domain for ``companies``, as a real database has one (Odoo's own mail tests
    set one up too): without it, the email Odoo sends to a lead's followers about a
    caller's text, whose author has no email address, has no sender and fails."""
    env["mail.alias.domain"].create({
        "name": "acme-plumbing.test", "catchall_alias": "catchall", "bounce_alias": "bounce",
        "default_from": "notifications", "company_ids": [(4, company.id) for company in companies],
    })


class TwilioSendRecorder:
    """Stands in for ``TwilioApi.send_message``: records each text and answers with
    the next planned outcome (a Twilio status, or an exception to raise)."""

    def __init__(self, outcomes=None, existing=None):
        self.sent = []
        self.lookups = []
        self.outcomes = list(outcomes or [])
        self.existing = existing

    @contextmanager
    def installed(self, env):
        """Every company's Twilio account answered by this recorder (through the
        res.company._get_twilio_api_class hook), the other requests as usual."""
        recorder = self

        class RecordingTwilioApi(twilio_api.TwilioApi):
            def send_message(self, **message):
                return recorder(**message)

            def find_sent_message(self, **query):
                return recorder.find_sent_message(**query)

        with patch.object(type(env["res.company"]), "_get_twilio_api_class", return_value=RecordingTwilioApi):
            yield self

    def __call__(self, *, to, from_, body, status_callback, messaging_service_sid=None):
        self.sent.append({"to": to, "from": from_, "body": body, "status_callback": status_callback,
                          "messaging_service_sid": messaging_service_sid})
        outcome = self.outcomes.pop(0) if self.outcomes else "queued"
        if isinstance(outcome, Exception):
            raise outcome
        return message_sid(len(self.sent)), outcome

    def find_sent_message(self, *, to, from_, body, sent_after):
        self.lookups.append({"to": to, "from": from_, "body": body, "sent_after": sent_after})
        if isinstance(self.existing, Exception):
            raise self.existing
        return self.existing


class SuiteClock:
    """For every test class of the add-on: the clock at TEST_NOW (ticking), the
    database's "now" (create_date, write_date) following it as it follows the clock in
    production, and the add-on's crons run on what the test made, not on the work a
    database may hold (copies of real databases, demo databases someone used)."""

    test_now = TEST_NOW

    @classmethod
    def setUpClass(cls):
        cls.startClassPatcher(freeze_time(cls.test_now, tick=True))
        super().setUpClass()
        # A TransactionCase's cursor gives PostgreSQL's time of the transaction (the real one).
        # (Looked up at each call: the class the clock's freezer puts in datetime then.)
        cls.startClassPatcher(patch.object(cls.cr, "now", lambda: dt.datetime.now()))  # noqa: PLW0108
        cls.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM res_company")
        cls._last_company_before = cls.env.cr.fetchone()[0]

    @classmethod
    def clock_offset(cls):
        """Seconds between the test's clock and the real one (for the browser's clock)."""
        # freezegun.api.real_time, looked up at each call: a name imported from it would be
        # replaced by the fake clock, as freezegun replaces every module's.
        return time.time() - freezegun.api.real_time()

    def made_companies(self):
        """The companies this test class made: the crons below work on theirs alone."""
        return self.env["res.company"].sudo().search([("id", ">", self._last_company_before)])

    def run_crm_cron(self, **kwargs):
        """What the CRM cron, woken by each missed call, does in production."""
        self.env["crm.call.log"]._cron_crm_sync(auto_commit=False, companies=self.made_companies(), **kwargs)
        self.env.invalidate_all()

    def run_retry_cron(self):
        self.env["crm.call.log"]._cron_textback_retry(auto_commit=False, companies=self.made_companies())

    def run_voicemail_cron(self):
        self.env["crm.call.log"]._cron_voicemail_download(auto_commit=False, companies=self.made_companies())

    def send_waiting_alerts(self):
        self.env["crm.call.log"]._send_alerts(auto_commit=False, companies=self.made_companies())

    def refused(self):
        """A webhook the test expects to be refused: Odoo says why in a warning."""
        return self.assertLogs(WEBHOOK_LOGGER, "WARNING")

    def text_back_fails(self):
        """A text-back the test expects to fail for good: Odoo says why in a warning."""
        return self.assertLogs(CALL_LOG_LOGGER, "WARNING")


class MissedCallCommon(SuiteClock, TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.us = cls.env.ref("base.us")
        cls.company = cls.env["res.company"].create({
            "name": "Acme Plumbing",
            "country_id": cls.us.id,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": AUTH_TOKEN,
        })
        give_mail_domain(cls.env, cls.company)
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.salesman = new_test_user(
            cls.env, login="mctb_salesman", name="Sam Seller", groups="sales_team.group_sale_salesman",
            company_id=cls.company.id, company_ids=[(6, 0, [cls.company.id])], tz="America/New_York")
        cls.manager = new_test_user(
            cls.env, login="mctb_manager", name="Mia Manager", groups="sales_team.group_sale_manager",
            company_id=cls.company.id, company_ids=[(6, 0, [cls.company.id])])
        cls.calendar = cls.env["resource.calendar"].create({
            "name": "New York shop hours",
            "tz": "America/New_York",
            "company_id": cls.company.id,
        })
        cls.template_in_hours = cls.env.ref("crm_missed_call_textback.textback_template_in_hours")
        cls.template_after_hours = cls.env.ref("crm_missed_call_textback.textback_template_after_hours")
        cls.line = cls.env["crm.phone.line"].create({
            "name": "Main line",
            "number": LINE_NUMBER,
            "forward_to": FORWARD_TO,
            "calendar_id": cls.calendar.id,
            "template_id": cls.template_in_hours.id,
            "after_hours_template_id": cls.template_after_hours.id,
            "user_id": cls.salesman.id,
            "company_id": cls.company.id,
            "booking_url": "https://acme.example/book",
            # The model tests count the texts sent to callers: the salesperson's alert text
            # (tests/test_alerts.py) would be one more. Odoo's activity email instead.
            "alert_channel": "email",
        })
        cls.CallLog = cls.env["crm.call.log"]

    def new_call(self, n=1, when=WEDNESDAY_10AM_NY, caller=CALLER, line=None):
        """A call ringing on the line, as the voice webhook logs it."""
        line = line or self.line
        return self.CallLog.create({
            "call_sid": call_sid(n),
            "line_id": line.id,
            "from_number": self.CallLog._normalize_caller_number(caller, line),
            "to_number": line.number,
            "call_start": when,
        })

    @contextmanager
    def mock_twilio_send(self, outcomes=None, existing=None):
        """Replace the two calls to Twilio's Messages API: sending, and listing what
        was sent (which answers ``existing``)."""
        recorder = TwilioSendRecorder(outcomes, existing)
        with recorder.installed(self.env):
            yield recorder

    def miss(self, log, reason="no-answer", outcomes=None):
        """The dial of ``log`` was not answered; return what was sent to Twilio."""
        with self.mock_twilio_send(outcomes) as recorder:
            log._record_outcome("missed", reason, 0)
            self.run_crm_cron()  # as the CRM cron, woken by the call
        return recorder.sent


def write_body_in_database(template, body):
    """Give ``template`` a body the check on save would refuse, as an import or a template
    saved by an older version could have left it."""
    template.flush_recordset()
    template.env.cr.execute("UPDATE crm_textback_template SET body = jsonb_build_object('en_US', %s) WHERE id = %s",
                            (body, template.id))
    template.invalidate_recordset(["body"])
