from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools import twilio_api
from ..tools.twilio_api import TwilioError
from .common import CALLER, FORWARD_TO, LINE_NUMBER, WEDNESDAY_10AM_NY, MissedCallCommon


@tagged("post_install", "-at_install")
class TestWhoIsNotTexted(MissedCallCommon):

    def test_withheld_caller_ids_in_every_form_get_no_text_and_no_contact(self):
        forms = ["", "Anonymous", "ANONYMOUS", "Restricted", "UNAVAILABLE", "unknown", "Private",
                 "+266696687", "+7378742833", "+8656696", "+2562533", "+86282452253"]
        for n, caller in enumerate(forms, start=1):
            with self.subTest(caller=caller):
                log = self.new_call(n, caller=caller)
                self.assertEqual(self.miss(log), [])
                self.assertEqual((log.textback_state, log.textback_skip_reason), ("skipped", "withheld"))
                self.assertFalse(log.partner_id)
                self.assertFalse(log.lead_id)
                self.assertTrue(log.crm_synced)

    def test_short_codes_and_invalid_numbers_are_not_texted(self):
        for n, caller in enumerate(["12345", "898211", "+1555123", "+999123456"], start=1):
            with self.subTest(caller=caller):
                log = self.new_call(n, caller=caller)
                self.assertEqual(self.miss(log), [])
                self.assertEqual(log.textback_skip_reason, "invalid_number")
                self.assertFalse(log.lead_id)

    def test_calls_from_our_own_lines_are_not_texted(self):
        log = self.new_call(1, caller=LINE_NUMBER)
        self.assertEqual(self.miss(log), [])
        self.assertEqual(log.textback_skip_reason, "own_number")

    def test_repeat_caller_gets_one_text_per_line_within_the_cool_down(self):
        first = self.new_call(1, when=WEDNESDAY_10AM_NY)
        second = self.new_call(2, when=WEDNESDAY_10AM_NY + timedelta(minutes=10))
        third = self.new_call(3, when=WEDNESDAY_10AM_NY + timedelta(hours=23, minutes=59))
        self.assertEqual(len(self.miss(first)), 1)
        self.assertEqual(self.miss(second), [])
        self.assertEqual(self.miss(third), [])
        for log in (second, third):
            self.assertEqual((log.textback_state, log.textback_skip_reason), ("skipped", "cooldown"))
            self.assertEqual(log.lead_id, first.lead_id, "the call still reaches the lead")
        later = self.new_call(4, when=WEDNESDAY_10AM_NY + timedelta(hours=24, minutes=1))
        self.assertEqual(len(self.miss(later)), 1)

    def test_cool_down_is_per_line(self):
        other_line = self.env["crm.phone.line"].create({
            "name": "Second line", "number": "+14155550160", "forward_to": FORWARD_TO,
            "company_id": self.company.id, "user_id": self.salesman.id, "calendar_id": False,
        })
        self.assertEqual(len(self.miss(self.new_call(1))), 1)
        self.assertEqual(len(self.miss(self.new_call(2, line=other_line))), 1)

    def test_cool_down_of_zero_texts_every_missed_call(self):
        self.line.textback_cooldown_hours = 0
        self.assertEqual(len(self.miss(self.new_call(1))), 1)
        self.assertEqual(len(self.miss(self.new_call(2, when=WEDNESDAY_10AM_NY + timedelta(minutes=1)))), 1)

    def test_landline_error_30006_is_not_retried_and_the_number_is_remembered(self):
        log = self.new_call(1, when=fields.Datetime.now())
        self.miss(log)
        self.CallLog._twilio_message_status(self.company, {
            "MessageSid": log.textback_sid, "MessageStatus": "undelivered", "ErrorCode": "30006"})
        self.assertEqual(log.textback_state, "undelivered")
        self.assertIn("landline", log.textback_error)
        with self.mock_twilio_send() as recorder:
            self.run_retry_cron()
        self.assertEqual(recorder.sent, [], "an undelivered text is never sent again")
        self.assertTrue(self.env["crm.sms.unreachable"].search([("number", "=", CALLER)]))
        later = self.new_call(2, when=fields.Datetime.now() + timedelta(days=3))
        self.assertEqual(self.miss(later), [])
        self.assertEqual(later.textback_skip_reason, "unreachable")

    def test_not_a_mobile_number_error_from_the_api_is_remembered(self):
        log = self.new_call(1)
        with self.text_back_fails():
            self.miss(log, outcomes=[TwilioError("Twilio error 21614: not a mobile", transient=False, code=21614)])
        self.assertEqual(log.textback_state, "failed")
        self.assertTrue(self.env["crm.sms.unreachable"].search([("number", "=", CALLER)]))

    def test_recipient_who_replied_stop_at_twilio_is_blacklisted(self):
        log = self.new_call(1)
        with self.text_back_fails():
            self.miss(log, outcomes=[TwilioError("Twilio error 21610: unsubscribed", transient=False, code=21610)])
        self.assertTrue(self.env["phone.blacklist"].search([("number", "=", CALLER)]))
        later = self.new_call(2, when=WEDNESDAY_10AM_NY + timedelta(days=3))
        self.miss(later)
        self.assertEqual(later.textback_skip_reason, "blacklisted")

    def test_a_skipped_text_back_says_why_in_the_lead_chatter(self):
        self.env["phone.blacklist"]._add([CALLER])
        log = self.new_call(1)
        self.miss(log)
        self.assertIn("No text-back: Number opted out.", log.lead_id.message_ids[0].body)


@tagged("post_install", "-at_install")
class TestLandlineLookup(MissedCallCommon):

    def lookup(self, answers):
        calls = []

        def fake(_api, number):
            calls.append(number)
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return patch.object(twilio_api.TwilioApi, "lookup_line_type", fake), calls

    def test_landline_detection_is_off_by_default(self):
        patcher, calls = self.lookup(["landline"])
        with patcher:
            self.assertEqual(len(self.miss(self.new_call(1))), 1)
        self.assertEqual(calls, [])

    def test_landlines_are_not_texted_and_the_answer_is_cached(self):
        self.company.missed_call_landline_lookup = True
        patcher, calls = self.lookup(["landline"])
        with patcher:
            first = self.new_call(1)
            self.assertEqual(self.miss(first), [])
            later = self.new_call(2, when=WEDNESDAY_10AM_NY + timedelta(days=2))
            self.assertEqual(self.miss(later), [])
        self.assertEqual((first.textback_skip_reason, later.textback_skip_reason), ("landline", "landline"))
        self.assertEqual(calls, [CALLER], "one paid lookup per number")
        self.assertTrue(first.lead_id, "a landline caller still becomes a lead to call back")

    def test_mobiles_are_texted(self):
        self.company.missed_call_landline_lookup = True
        patcher, _calls = self.lookup(["mobile"])
        with patcher:
            self.assertEqual(len(self.miss(self.new_call(1))), 1)

    def test_when_lookup_fails_the_text_goes_out_anyway(self):
        self.company.missed_call_landline_lookup = True
        patcher, _calls = self.lookup([TwilioError("Twilio error 503", transient=True)])
        with patcher, mute_logger("odoo.addons.crm_missed_call_textback.models.crm_phone_lookup"):
            self.assertEqual(len(self.miss(self.new_call(1))), 1)
        self.assertFalse(self.env["crm.phone.lookup"].search([("number", "=", CALLER)]))
