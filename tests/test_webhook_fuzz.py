"""Hostile and malformed input: Hypothesis sends correctly signed requests with
arbitrary fields to every webhook. None may answer 500 or leave a half-written record."""
from unittest import skip
from urllib.parse import urlencode

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLER,
    LINE_NUMBER,
    WEBHOOK_LOGGER,
    call_sid,
    message_sid,
    twilio_signature,
)
from .test_webhooks import TwilioWebhookCase

ROUTES = ["voice", "dial_status", "call_status", "message_status", "screen", "screen_result", "sms", "sms_status",
          "voicemail_done", "recording_status", "transcription", "callback_answer", "callback_dial_status",
          "callback_status"]
TWILIO_FIELDS = ["From", "To", "Caller", "Called", "CallStatus", "DialCallStatus", "DialCallDuration",
                 "CallDuration", "MessageStatus", "SmsStatus", "ErrorCode", "Digits", "Direction", "Body",
                 "RecordingSid", "RecordingUrl", "RecordingStatus", "RecordingDuration", "TranscriptionText",
                 "TranscriptionStatus"]
# What the routes read from their (signed) query string.
QUERY_NAMES = ["log", "sms", "call"]

try:  # a test tool (requirements-dev.txt) that Odoo's own runner may not have
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:
    st = None


def signed_requests_with_any_fields(test):
    """Runs ``test`` on 120 signed requests Hypothesis makes up, or skips it without Hypothesis."""
    if st is None:
        return skip("needs Hypothesis (requirements-dev.txt), which scripts/test installs")(test)
    # Text of every kind: numbers in any format or none, words, control and astral characters.
    anything = st.one_of(
        st.text(max_size=40),
        st.sampled_from(["", CALLER, LINE_NUMBER, "Anonymous", "+266696687", "(415) 555-0123", "12345",
                         "+1", "++14155550123", "0", "-5", "99999999999999999999", "1e9", "null", "{{ 7*7 }}",
                         "<Say>hi</Say>", "completed", "no-answer", "busy", "delivered", "failed"]),
        st.integers(-10**12, 10**12).map(str),
    )
    sids = st.one_of(
        st.integers(0, 5).map(call_sid),
        st.integers(0, 5).map(message_sid),
        st.text(max_size=36),
    )
    return settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))(given(
        route=st.sampled_from(ROUTES),
        sid=sids,
        fields=st.dictionaries(st.sampled_from(TWILIO_FIELDS), anything, max_size=8),
        extra=st.dictionaries(st.text(min_size=1, max_size=12), anything, max_size=3),
        account=st.sampled_from([ACCOUNT_SID, ACCOUNT_SID.lower(), "AC123", "", ACCOUNT_SID + "\n"]),
        query=st.dictionaries(st.sampled_from(QUERY_NAMES), st.one_of(
            anything, st.sampled_from(["1", "²", "١", "0x1", "1\n", call_sid(1), "a" * 32])), max_size=2),
    )(test))


@tagged("post_install", "-at_install")
class TestWebhookFuzz(TwilioWebhookCase):

    def check_invariants(self):
        """No half-written record: every log is whole, and a decided call is decided all the way."""
        self.env.invalidate_all()
        for log in self.logged_calls():
            self.assertRegex(log.call_sid, r"^CA[0-9a-fA-F]{32}$")
            self.assertTrue(log.line_id)
            if log.status == "answered":
                self.assertEqual(log.textback_state, "none")
            if log.status == "missed":
                self.assertNotEqual(log.textback_state, "none")
                self.assertTrue(log.crm_synced, "the CRM update of a missed call is never left half done")

    @signed_requests_with_any_fields
    def test_signed_requests_with_any_fields_never_fail_or_half_write(self, route, sid, fields, extra, account,
                                                                      query):
        params = {**extra, **fields, "AccountSid": account, "CallSid": sid, "MessageSid": sid}
        params.setdefault("To", LINE_NUMBER)
        path = f"/missed_call/twilio/{route}" + (f"?{urlencode(query)}" if query else "")
        # Refused (with a warning saying why) or answered: either way, never a 500.
        with self.spy_sends(), mute_logger("odoo.addons.crm_missed_call_textback"):
            response = self.post(path, params)
        self.assertIn(response.status_code, (200, 400, 403), response.text[:500])
        if response.status_code == 200 and route in ("voice", "dial_status"):
            self.twiml(response)
        self.check_invariants()

    def test_body_that_is_not_utf8_is_refused(self):
        body = b"AccountSid=" + ACCOUNT_SID.encode() + b"&CallSid=" + call_sid(1).encode() + b"&From=\xff\xfe\xfa"
        url = f"{self.base_url()}/missed_call/twilio/voice"
        signature = twilio_signature(AUTH_TOKEN, url, {"AccountSid": ACCOUNT_SID, "CallSid": call_sid(1)})
        response = self.opener.post(url, data=body, timeout=12, headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
        # Werkzeug refuses to decode the form (its answer is 413); either way a 4xx, nothing written.
        self.assertIn(response.status_code, (400, 403, 413))
        self.assertFalse(self.logged_calls())

    def test_json_or_empty_bodies_are_refused(self):
        url = f"{self.base_url()}/missed_call/twilio/dial_status"
        for kwargs in ({"json": {"AccountSid": ACCOUNT_SID, "CallSid": call_sid(1)}}, {"data": b""}):
            response = self.opener.post(url, timeout=12, headers={"X-Twilio-Signature": "x"}, **kwargs)
            self.assertEqual(response.status_code, 403)
        self.assertFalse(self.logged_calls())


@tagged("post_install", "-at_install")
class TestHostileInput(TwilioWebhookCase):
    """Validly signed requests that no genuine Twilio webhook looks like: 400 (or 413), and
    nothing written."""

    def nothing_written(self):
        self.env.invalidate_all()
        self.assertFalse(self.logged_calls())
        self.assertFalse(self.env["crm.textback.reply"].search([("company_id", "=", self.company.id)]))

    def sms(self, **fields):
        return {"AccountSid": ACCOUNT_SID, "MessageSid": message_sid(1), "From": CALLER, "To": LINE_NUMBER,
                "Body": "Hello", **fields}

    def test_a_nul_byte_in_any_field_is_refused_with_nothing_written(self):
        cases = [
            ("voice", self.call_params(From="+1415\x00555", Caller="+1415\x00555")),
            ("voice", self.call_params(To=LINE_NUMBER + "\x00")),
            ("sms", self.sms(Body="STOP\x00")),
            ("message_status", {"AccountSid": ACCOUNT_SID, "MessageSid": message_sid(2), "MessageStatus": "failed",
                                "ErrorCode": "300\x0006"}),
        ]
        for route, params in cases:
            with self.subTest(route=route, params=params), self.refused():
                self.assertEqual(self.post(f"/missed_call/twilio/{route}", params).status_code, 400)
        self.nothing_written()

    def test_a_field_longer_than_twilio_sends_is_refused(self):
        for route, params in (("voice", self.call_params(From="+1" + "4" * 20000)),
                              ("sms", self.sms(Body="x" * 20000))):
            with self.subTest(route=route), self.refused():
                self.assertEqual(self.post(f"/missed_call/twilio/{route}", params).status_code, 400)
        self.nothing_written()

    def test_a_chunked_body_over_the_cap_is_refused(self):
        params = self.call_params(Padding="p" * 200_000)
        url = f"{self.base_url()}/missed_call/twilio/voice"
        signature = twilio_signature(AUTH_TOKEN, url, params)
        encoded = urlencode(params).encode()

        def chunks():  # no Content-Length: Transfer-Encoding chunked
            for start in range(0, len(encoded), 8192):
                yield encoded[start:start + 8192]

        with self.refused():
            response = self.opener.post(url, data=chunks(), timeout=30, headers={
                "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
        # Werkzeug (2.3 and later) stops reading at the route's cap: the form is cut there, and
        # what is cut is no genuine webhook (a field too long, or a signature that fails).
        self.assertIn(response.status_code, (400, 403, 413))
        self.nothing_written()

    def test_ids_in_a_signed_address_or_form_are_ascii_and_whole(self):
        self.incoming_call()
        log = self.logged_calls()
        cases = [
            ("/missed_call/twilio/message_status?log=%C2%B2", {"AccountSid": ACCOUNT_SID,
                                                               "MessageSid": message_sid(2), "MessageStatus": "sent"}),
            # Found by the fuzz: an id past PostgreSQL's integers failed the query (a 500).
            ("/missed_call/twilio/message_status?log=2147483648",
             {"AccountSid": ACCOUNT_SID, "MessageSid": message_sid(2), "MessageStatus": "sent"}),
            (f"/missed_call/twilio/recording_status?log={2**40}", self.call_params(CallSid=log.call_sid)),
            (f"/missed_call/twilio/recording_status?log={log.id}\n", self.call_params(CallSid=log.call_sid)),
            ("/missed_call/twilio/callback_status?call=" + call_sid(9) + "%0A", self.call_params(n=9)),
            ("/missed_call/twilio/voice", self.call_params(CallSid=call_sid(3) + "\n")),
            ("/missed_call/twilio/voice", self.call_params(AccountSid=ACCOUNT_SID + "\n")),
        ]
        for path, params in cases:
            with self.subTest(path=path), mute_logger(WEBHOOK_LOGGER):  # refused, or answered as any call
                self.assertIn(self.post(path, params).status_code, (200, 400, 403))
        self.assertEqual(self.logged_calls(), log)

    def test_a_text_from_something_that_is_no_phone_number_creates_nothing(self):
        last_partner = self.env["res.partner"].search([], order="id desc", limit=1)
        for n, sender in enumerate(("abc", "<b>Hi</b>", "12345"), start=1):
            for body in ("Hello", "STOP"):
                with self.subTest(sender=sender, body=body):
                    response = self.post("/missed_call/twilio/sms", self.sms(
                        MessageSid=message_sid(10 * n + len(body)), From=sender, Body=body))
                    self.assertEqual(response.status_code, 200)
                    self.assertIsNone(self.twiml(response).find("Message"))
        self.nothing_written()
        self.assertFalse(self.env["res.partner"].search_count([("id", ">", last_partner.id)]))
        self.assertFalse(self.env["phone.blacklist"].search([("number", "in", ("abc", "12345"))]))
