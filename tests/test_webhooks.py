"""The webhooks through Odoo's real HTTP stack, signed exactly as Twilio signs
them. Text-backs go through the real twilio REST client to the Twilio API
stand-in (Prism validating each request against Twilio's OpenAPI description),
or to the fake of the same requests when the stand-in is not running."""
from contextlib import nullcontext
from datetime import timedelta
from unittest.mock import patch

from lxml import etree

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..tools import twilio_api
from .common import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLER,
    FORWARD_TO,
    LINE_NUMBER,
    OTHER_ACCOUNT_SID,
    OTHER_AUTH_TOKEN,
    SuiteClock,
    TwilioApiMixin,
    call_sid,
    give_mail_domain,
    twilio_signature,
    write_body_in_database,
)
from .twilio_fake import EXAMPLE_MESSAGE_SID


class TwilioWebhookCase(SuiteClock, TwilioApiMixin, HttpCase):
    """Two companies on their own Twilio accounts; the first has a line. Requests are
    signed as Twilio signs them; texts go to the Twilio API stand-in (or its fake)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        us = cls.env.ref("base.us")
        cls.company = cls.env["res.company"].create({
            "name": "Acme Plumbing", "country_id": us.id,
            "twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": AUTH_TOKEN,
        })
        cls.other_company = cls.env["res.company"].create({
            "name": "Other Co", "country_id": us.id,
            "twilio_account_sid": OTHER_ACCOUNT_SID, "twilio_auth_token": OTHER_AUTH_TOKEN,
        })
        give_mail_domain(cls.env, cls.company | cls.other_company)
        admin = cls.env.ref("base.user_admin")
        admin.company_ids |= cls.company
        cls.line = cls.env["crm.phone.line"].create({
            "name": "Main line", "number": LINE_NUMBER, "forward_to": FORWARD_TO, "ring_timeout": 18,
            "calendar_id": False, "company_id": cls.company.id, "user_id": admin.id,
        })
        cls.CallLog = cls.env["crm.call.log"]

    def logged_calls(self):
        """The calls logged for this test's companies (a database may have demo calls)."""
        return self.CallLog.search([("company_id", "in", (self.company | self.other_company).ids)])

    def requests_from_odoo(self):
        """Lets Odoo's own code post to this test's HTTP server (the simulation does):
        Odoo 19's HttpCase refuses requests without its test cookie unless told."""
        allow_requests = getattr(self, "allow_requests", None)  # Odoo 19
        return allow_requests(all_requests=True) if allow_requests else nullcontext()

    # ------------------------------------------------------------
    # Twilio's side
    # ------------------------------------------------------------

    def post(self, path, params, auth_token=AUTH_TOKEN, signature=None):
        url = f"{self.base_url()}{path}"
        if signature is None:
            signature = twilio_signature(auth_token, url, params)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        response = self.url_open(path, data=params, headers=headers)
        self.env.invalidate_all()
        return response

    def call_params(self, n=1, caller=CALLER, to=LINE_NUMBER, account_sid=ACCOUNT_SID, **extra):
        return {
            "AccountSid": account_sid, "ApiVersion": "2010-04-01", "CallSid": call_sid(n),
            "CallStatus": "ringing", "Direction": "inbound", "From": caller, "Caller": caller,
            "To": to, "Called": to, "FromCountry": "US", "ToCountry": "US", **extra,
        }

    def incoming_call(self, n=1, **kwargs):
        return self.post("/missed_call/twilio/voice", self.call_params(n, **kwargs))

    def dial_status(self, n=1, status="no-answer", duration=None, **kwargs):
        extra = {"CallStatus": "in-progress", "DialCallStatus": status, "DialCallSid": call_sid(1000 + n)}
        if duration is not None:
            extra["DialCallDuration"] = str(duration)
        return self.post("/missed_call/twilio/dial_status", self.call_params(n, **extra, **kwargs))

    def twiml(self, response):
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("text/xml"))
        return etree.fromstring(response.content)

    def spy_sends(self):
        return patch.object(twilio_api.TwilioApi, "send_message", autospec=True,
                            side_effect=twilio_api.TwilioApi.send_message)


@tagged("post_install", "-at_install")
class TestTwilioWebhooks(TwilioWebhookCase):

    def test_incoming_call_rings_the_forward_number_for_the_ring_timeout(self):
        root = self.twiml(self.incoming_call())
        dial = root.find("Dial")
        self.assertEqual(dial.get("timeout"), "18")
        self.assertEqual(dial.get("action"), f"{self.base_url()}/missed_call/twilio/dial_status")
        self.assertEqual(dial.get("method"), "POST")
        self.assertEqual(dial.findtext("Number"), FORWARD_TO)
        log = self.CallLog.search([("call_sid", "=", call_sid(1))])
        self.assertEqual((log.status, log.from_number, log.line_id), ("ringing", CALLER, self.line))

    def test_call_to_an_unknown_number_is_rejected_and_not_logged(self):
        root = self.twiml(self.incoming_call(to="+14155550999"))
        self.assertIsNotNone(root.find("Reject"))
        self.assertFalse(self.CallLog.search([("call_sid", "=", call_sid(1))]))

    def test_unsigned_or_wrongly_signed_requests_get_403_and_write_nothing(self):
        params = self.call_params()
        url = f"{self.base_url()}/missed_call/twilio/voice"
        good = twilio_signature(AUTH_TOKEN, url, params)
        tampered = dict(params, From="+14155550111")
        cases = [
            ("no signature", params, ""),
            ("garbage", params, "bm90IGEgc2lnbmF0dXJl"),
            ("other token", params, twilio_signature(OTHER_AUTH_TOKEN, url, params)),
            ("tampered body", tampered, good),
            ("other url", params, twilio_signature(AUTH_TOKEN, url + "?x=1", params)),
        ]
        for label, data, signature in cases:
            # A signature that fails is logged; a request with none is no Twilio request (a scanner).
            with self.subTest(label), self.refused() if signature else nullcontext():
                response = self.url_open("/missed_call/twilio/voice", data=data,
                                         headers={"X-Twilio-Signature": signature} if signature else {})
                self.assertEqual(response.status_code, 403)
        for path in ("dial_status", "call_status", "message_status"):
            # A message status without a MessageSid is no Twilio request either.
            with self.subTest(path), self.refused() if path != "message_status" else nullcontext():
                response = self.url_open(f"/missed_call/twilio/{path}", data=params,
                                         headers={"X-Twilio-Signature": "bm9wZQ=="})
                self.assertEqual(response.status_code, 403)
        self.assertFalse(self.logged_calls())

    def test_request_signed_by_another_company_cannot_touch_this_company_line(self):
        # Company B's account and token, calling company A's number: not B's line.
        root = self.twiml(self.post("/missed_call/twilio/voice", self.call_params(account_sid=OTHER_ACCOUNT_SID),
                                    auth_token=OTHER_AUTH_TOKEN))
        self.assertIsNotNone(root.find("Reject"))
        # Company A's Account SID signed with B's token: refused.
        with self.refused():
            response = self.post("/missed_call/twilio/voice", self.call_params(), auth_token=OTHER_AUTH_TOKEN)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.logged_calls())

    def test_missed_call_texts_the_caller_through_the_twilio_api_and_creates_the_lead(self):
        self.incoming_call()
        with self.spy_sends() as sends:
            root = self.twiml(self.dial_status(status="no-answer"))
        self.assertIn("Sorry we missed your call", root.findtext("Say"))
        self.assertIsNotNone(root.find("Hangup"))
        self.assertEqual(sends.call_count, 1)
        self.assertEqual(sends.call_args.kwargs["to"], CALLER)
        self.assertEqual(sends.call_args.kwargs["from_"], LINE_NUMBER)

        log = self.CallLog.search([("call_sid", "=", call_sid(1))])
        self.assertEqual((log.status, log.missed_reason), ("missed", "no-answer"))
        self.assertFalse(log.textback_error, "the Twilio API stand-in accepted the request")
        self.assertEqual((log.textback_state, log.textback_sid), ("queued", EXAMPLE_MESSAGE_SID))
        self.assertTrue(log.textback_body.startswith("Hi there, it's Acme Plumbing."))
        self.run_crm_cron()
        self.assertTrue(log.crm_synced)
        self.assertEqual(log.lead_id.phone_sanitized, CALLER)
        self.assertEqual(log.lead_id.tag_ids.name, "Missed Call")
        self.assertEqual(log.lead_id.activity_ids.activity_type_id, self.env.ref("mail.mail_activity_data_call"))

        status = {"AccountSid": ACCOUNT_SID, "MessageSid": EXAMPLE_MESSAGE_SID, "SmsSid": EXAMPLE_MESSAGE_SID,
                  "MessageStatus": "delivered", "SmsStatus": "delivered", "To": CALLER, "From": LINE_NUMBER}
        # Where Twilio was told to report this text: the log's own address.
        status_path = f"/missed_call/twilio/message_status?log={log.id}"
        response = self.post(status_path, status)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(log.textback_state, "delivered")
        response = self.post(status_path, dict(status, MessageStatus="sent", SmsStatus="sent"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(log.textback_state, "delivered", "a late 'sent' never moves the state back")

    def test_a_template_that_fails_on_the_call_never_makes_twilio_fail_the_caller(self):
        # A body saved around the check on save (an import, an older version).
        template = self.env["crm.textback.template"].create({
            "name": "Booking", "body": "Book at {{ object.line_id.booking_url }}", "company_id": self.company.id})
        write_body_in_database(template, "Book at {{ object.line_id.booking_url.upper() }}")
        self.line.write({"template_id": template.id, "after_hours_template_id": False, "booking_url": False})
        self.incoming_call()
        with self.spy_sends() as sends, mute_logger("odoo.addons.crm_missed_call_textback.models.crm_call_log"):
            root = self.twiml(self.dial_status(status="no-answer"))
        self.assertIsNotNone(root.find("Hangup"), "the caller hears the line's message, not an application error")
        log = self.CallLog.search([("call_sid", "=", call_sid(1))])
        self.assertEqual((log.status, log.textback_state), ("missed", "failed"))
        self.assertIn("“Booking” could not be rendered", log.textback_error)
        self.assertEqual(sends.call_count, 0)
        self.run_crm_cron()
        self.assertTrue(log.lead_id, "the CRM work goes on")

    def test_answered_call_is_logged_with_its_duration_and_gets_no_text(self):
        self.incoming_call()
        with self.spy_sends() as sends:
            root = self.twiml(self.dial_status(status="completed", duration=42))
        self.assertIsNone(root.find("Say"))
        log = self.CallLog.search([("call_sid", "=", call_sid(1))])
        self.assertEqual((log.status, log.duration, log.textback_state), ("answered", 42, "none"))
        self.assertEqual(sends.call_count, 0)

    def test_each_missed_dial_status_counts_as_missed(self):
        for n, reason in enumerate(("no-answer", "busy", "failed", "canceled"), start=1):
            with self.subTest(reason):
                self.incoming_call(n, caller=f"+1415555{n:04d}")
                self.dial_status(n, status=reason)
                log = self.CallLog.search([("call_sid", "=", call_sid(n))])
                self.assertEqual((log.status, log.missed_reason), ("missed", reason))
                self.assertEqual(log.textback_sid, EXAMPLE_MESSAGE_SID)

    def test_replayed_webhooks_give_one_log_one_lead_one_text(self):
        with self.spy_sends() as sends:
            for _replay in range(3):
                self.twiml(self.incoming_call())
            for _replay in range(3):
                root = self.twiml(self.dial_status(status="busy"))
                self.assertIsNotNone(root.find("Hangup"))
        self.assertEqual(sends.call_count, 1)
        self.run_crm_cron()
        self.assertEqual(self.CallLog.search_count([("call_sid", "=", call_sid(1))]), 1)
        self.assertEqual(self.env["crm.lead"].search_count([("phone_sanitized", "=", CALLER)]), 1)
        self.assertEqual(self.env["res.partner"].search_count([("phone_sanitized", "=", CALLER)]), 1)

    def test_dial_status_without_voice_webhook_still_logs_and_texts(self):
        with self.spy_sends() as sends:
            self.dial_status(7, status="no-answer")
        log = self.CallLog.search([("call_sid", "=", call_sid(7))])
        self.assertEqual(log.status, "missed")
        self.assertEqual(sends.call_count, 1)

    def test_unknown_dial_status_is_a_clear_400(self):
        self.incoming_call()
        response = self.dial_status(status="exploded")
        self.assertEqual(response.status_code, 400)
        self.assertIn("DialCallStatus", response.text)
        self.assertEqual(self.CallLog.search([("call_sid", "=", call_sid(1))]).status, "ringing")

    def test_call_status_webhook_handles_numbers_routed_elsewhere(self):
        params = self.call_params(1, CallStatus="no-answer", CallDuration="0")
        with self.spy_sends() as sends:
            response = self.post("/missed_call/twilio/call_status", params)
        self.assertEqual(response.status_code, 200)
        log = self.CallLog.search([("call_sid", "=", call_sid(1))])
        self.assertEqual((log.status, log.missed_reason), ("missed", "no-answer"))
        self.assertEqual(sends.call_count, 1)

        for status in ("queued", "ringing", "in-progress"):
            response = self.post("/missed_call/twilio/call_status", self.call_params(2, CallStatus=status))
            self.assertEqual(response.status_code, 200)
        self.post("/missed_call/twilio/call_status", self.call_params(2, CallStatus="completed", CallDuration="65"))
        answered = self.CallLog.search([("call_sid", "=", call_sid(2))])
        self.assertEqual((answered.status, answered.duration), ("answered", 65))

    def test_inbound_text_is_answered_with_twiml_and_recorded_once(self):
        params = {"AccountSid": ACCOUNT_SID, "MessageSid": "SM" + "c" * 32, "From": CALLER, "To": LINE_NUMBER,
                  "Body": "HELP", "NumMedia": "0"}
        for _delivery in range(2):
            root = self.twiml(self.post("/missed_call/twilio/sms", params))
            self.assertIn("Acme Plumbing", root.findtext("Message"))
        self.assertEqual(self.env["crm.textback.reply"].search_count([("message_sid", "=", params["MessageSid"])]), 1)
        with self.refused():
            response = self.post("/missed_call/twilio/sms", params, auth_token=OTHER_AUTH_TOKEN)
        self.assertEqual(response.status_code, 403)

    def test_message_status_answers_200_to_every_status_even_unknown_messages(self):
        for status in ("accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered",
                       "failed", "read", "partially_delivered", "canceled"):
            params = {"AccountSid": ACCOUNT_SID, "MessageSid": "SM" + "b" * 32, "MessageStatus": status}
            self.assertEqual(self.post("/missed_call/twilio/message_status", params).status_code, 200)

    def test_call_status_completed_of_a_dialed_call_leaves_the_outcome_to_the_dial_status(self):
        self.incoming_call()
        self.post("/missed_call/twilio/call_status", self.call_params(CallStatus="completed", CallDuration="31"))
        log = self.CallLog.search([("call_sid", "=", call_sid(1))])
        self.assertEqual(log.status, "ringing")
        with self.spy_sends() as sends:
            self.dial_status(status="no-answer")
        self.assertEqual(log.status, "missed")
        self.assertEqual(sends.call_count, 1)
        # And the call status that follows the dial status changes nothing.
        self.post("/missed_call/twilio/call_status", self.call_params(CallStatus="completed", CallDuration="31"))
        self.assertEqual(log.status, "missed")

    def test_oversized_request_is_refused_and_writes_nothing(self):
        params = self.call_params(Padding="x" * 70_000)
        response = self.post("/missed_call/twilio/voice", params)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.logged_calls())

    def test_replay_of_a_call_logged_long_ago_is_refused_and_writes_nothing(self):
        self.incoming_call()
        log = self.CallLog.search([("call_sid", "=", call_sid(1))])
        self.env.cr.execute("UPDATE crm_call_log SET create_date = %s WHERE id = %s",
                            [fields.Datetime.now() - timedelta(hours=7), log.id])
        self.env.invalidate_all()
        with self.refused():
            self.assertEqual(self.incoming_call().status_code, 403)
        with self.spy_sends() as sends, self.refused():
            self.assertEqual(self.dial_status(status="no-answer").status_code, 403)
        self.assertEqual((log.status, sends.call_count), ("ringing", 0))


@tagged("post_install", "-at_install")
class TestCallScreening(TwilioWebhookCase):
    """Voicemail-proof: the answered phone must press 1, or the call counts as missed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.line.call_screening = True

    def screen_params(self, n=1, **extra):
        # Twilio's request for the answered leg: its own CallSid, the caller's call in our URL.
        return self.call_params(n, CallSid=call_sid(5000 + n), CallStatus="in-progress", **extra)

    def screen(self, n=1):
        return self.post(f"/missed_call/twilio/screen?call={call_sid(n)}", self.screen_params(n))

    def screen_result(self, n=1, digits=None):
        extra = {"Digits": digits} if digits is not None else {}
        return self.post(f"/missed_call/twilio/screen_result?call={call_sid(n)}", self.screen_params(n, **extra))

    def test_the_answered_phone_is_asked_to_press_1(self):
        dial = self.twiml(self.incoming_call()).find("Dial")
        self.assertEqual(dial.find("Number").get("url"),
                         f"{self.base_url()}/missed_call/twilio/screen?call={call_sid(1)}")
        root = self.twiml(self.screen())
        gather = root.find("Gather")
        self.assertEqual(gather.get("numDigits"), "1")
        self.assertEqual(gather.get("action"),
                         f"{self.base_url()}/missed_call/twilio/screen_result?call={call_sid(1)}")
        self.assertIn("Press 1", gather.findtext("Say"))
        self.assertIn("+ 1 4 1 5", gather.findtext("Say"))
        self.assertIsNotNone(root.find("Hangup"), "no key press: the answered leg hangs up")

    def test_pressing_1_takes_the_call_and_it_counts_as_answered(self):
        self.incoming_call()
        self.twiml(self.screen())
        root = self.twiml(self.screen_result(digits="1"))
        self.assertIsNone(root.find("Hangup"))
        with self.spy_sends() as sends:
            self.dial_status(status="completed", duration=75)
        log = self.CallLog.search([("call_sid", "=", call_sid(1))])
        self.assertEqual((log.status, log.duration, log.screen_accepted), ("answered", 75, True))
        self.assertEqual(sends.call_count, 0)

    def test_voicemail_that_answers_without_pressing_1_counts_as_missed_and_texts(self):
        self.incoming_call()
        self.twiml(self.screen())
        root = self.twiml(self.screen_result(digits="9"))
        self.assertIsNotNone(root.find("Hangup"))
        with self.spy_sends() as sends:
            self.dial_status(status="completed", duration=31)
        log = self.CallLog.search([("call_sid", "=", call_sid(1))])
        self.assertEqual((log.status, log.missed_reason, log.duration), ("missed", "voicemail", 0))
        self.assertEqual(sends.call_count, 1)

    def test_no_key_press_at_all_counts_as_missed(self):
        self.incoming_call()
        self.twiml(self.screen())
        self.dial_status(status="completed", duration=40)
        log = self.CallLog.search([("call_sid", "=", call_sid(1))])
        self.assertEqual((log.status, log.missed_reason), ("missed", "voicemail"))

    def test_screening_requests_are_signed_like_the_others(self):
        self.incoming_call()
        with self.refused():
            response = self.url_open(f"/missed_call/twilio/screen_result?call={call_sid(1)}",
                                     data=self.screen_params(digits="1"), headers={"X-Twilio-Signature": "bm9wZQ=="})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.CallLog.search([("call_sid", "=", call_sid(1))]).screen_accepted)


@tagged("post_install", "-at_install")
class TestBehindReverseProxy(TwilioWebhookCase):
    """TLS ends at a proxy: Twilio signs https://calls.acme.example/..., Odoo gets plain HTTP
    on 127.0.0.1 and another port. The signature is checked against the configured public URL."""

    PUBLIC = "https://calls.acme.example"

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("web.base.url", self.PUBLIC)

    def post_signed_for(self, signed_base, params):
        path = "/missed_call/twilio/voice"
        signature = twilio_signature(AUTH_TOKEN, f"{signed_base}{path}", params)
        response = self.url_open(path, data=params, headers={"X-Twilio-Signature": signature,
                                                             "X-Forwarded-Host": "evil.example",
                                                             "X-Forwarded-Proto": "http"})
        self.env.invalidate_all()
        return response

    def test_a_request_signed_for_the_public_url_is_accepted_over_plain_http(self):
        self.assertTrue(self.base_url().startswith("http://127.0.0.1:"))
        response = self.post_signed_for(self.PUBLIC, self.call_params())
        root = self.twiml(response)
        self.assertEqual(root.find("Dial").get("action"), f"{self.PUBLIC}/missed_call/twilio/dial_status")

    def test_a_request_signed_for_the_internal_or_forwarded_url_is_refused(self):
        for signed_base in (self.base_url(), "http://evil.example"):
            with self.subTest(signed_base=signed_base), self.refused():
                self.assertEqual(self.post_signed_for(signed_base, self.call_params()).status_code, 403)
        self.assertFalse(self.logged_calls())
