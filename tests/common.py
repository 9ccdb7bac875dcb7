"""Shared set-up of the add-on's tests: a US company connected to Twilio, a
New York business-hours calendar, a phone line, and the one boundary the
model tests replace, the call that sends a text through Twilio."""
import os
from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch
from urllib.parse import urlsplit

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

# Wednesday 25 November 2026 in New York (UTC-5).
WEDNESDAY_10AM_NY = datetime(2026, 11, 25, 15, 0)
WEDNESDAY_12_30PM_NY = datetime(2026, 11, 25, 17, 30)  # lunch break
TUESDAY_10PM_NY = datetime(2026, 11, 25, 3, 0)
FRIDAY_6PM_NY = datetime(2026, 11, 27, 23, 0)


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


class MissedCallCommon(TransactionCase):

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
            self.CallLog._cron_crm_sync(auto_commit=False)  # as the CRM cron, woken by the call
        return recorder.sent


def write_body_in_database(template, body):
    """Give ``template`` a body the check on save would refuse, as an import or a template
    saved by an older version could have left it."""
    template.flush_recordset()
    template.env.cr.execute("UPDATE crm_textback_template SET body = jsonb_build_object('en_US', %s) WHERE id = %s",
                            (body, template.id))
    template.invalidate_recordset(["body"])
