from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CALLER, LINE_NUMBER, MissedCallCommon, message_sid, scenario


@tagged("post_install", "-at_install")
class TestReplies(MissedCallCommon):

    def text(self, body, n=1, caller=CALLER):
        return self.env["crm.textback.reply"]._twilio_incoming_sms(self.company, {
            "MessageSid": message_sid(900 + n), "From": caller, "To": LINE_NUMBER, "Body": body})

    def missed_now(self, n=1, caller=CALLER):
        log = self.new_call(n, caller=caller, when=fields.Datetime.now() - timedelta(minutes=10))
        self.miss(log)
        return log

    def test_a_reply_goes_to_the_lead_chatter_and_marks_the_call_responded(self):
        log = self.missed_now()
        reply, answer = self.text("Yes please call me at 3pm")
        self.assertIsNone(answer)
        self.assertEqual(reply.lead_id, log.lead_id)
        self.assertIn("Yes please call me at 3pm", log.lead_id.message_ids[0].body)
        self.assertEqual(log.lead_id.message_ids[0].author_id, log.partner_id)
        self.assertTrue(log.responded)
        self.assertEqual(reply.call_log_id, log)

    def test_a_replayed_reply_is_recorded_once(self):
        log = self.missed_now()
        first, _answer = self.text("On my way")
        again, _answer = self.text("On my way")
        self.assertEqual(first, again)
        self.assertEqual(len(log.lead_id.message_ids.filtered(lambda m: "On my way" in (m.body or ""))), 1)

    def other_company_line(self):
        other = self.env["res.company"].create({"name": "Other Co", "country_id": self.us.id})
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= other
        return self.env["crm.phone.line"].create({
            "name": "Other line", "number": "+14155550177", "forward_to": "+14155550178", "company_id": other.id,
            "user_id": admin.id, "template_id": False, "after_hours_template_id": False})

    def test_another_company_text_sid_gets_no_answer_of_this_company(self):
        other_line = self.other_company_line()
        help_text, answer = self.text("HELP")
        self.assertIn("Acme Plumbing", answer)
        replayed, answer = self.env["crm.textback.reply"]._twilio_incoming_sms(other_line.company_id, {
            "MessageSid": help_text.message_sid, "From": CALLER, "To": other_line.number, "Body": "HELP"})
        self.assertFalse(replayed)
        self.assertIsNone(answer, "nothing of Acme's told to whoever signs for the other company")

    def test_a_stop_takes_the_number_in_every_company_with_a_line(self):
        # Odoo's blacklist is one list for all companies: the STOP serializes with a text
        # being sent to the number by any company (the send takes its company's row).
        other_line = self.other_company_line()
        self.text("Thanks")
        callers = self.env["crm.caller"].search([("number", "=", CALLER)])
        self.assertEqual(callers.company_id, self.company, "a plain text takes its own company's row")
        self.text("STOP", n=2)
        callers = self.env["crm.caller"].search([("number", "=", CALLER)])
        with_lines = self.env["crm.phone.line"].with_context(active_test=False).search([]).company_id
        self.assertEqual(callers.company_id, with_lines)  # a demo database has lines of its own too
        self.assertIn(other_line.company_id, callers.company_id)

    def test_opt_out_keywords_in_any_case_blacklist_the_number(self):
        for n, body in enumerate(["STOP", "stop", " Stop ", "STOPALL", "unsubscribe", "Cancel", "END", "quit"]):
            with self.subTest(body=body):
                reply, answer = self.text(body, n=n)
                self.assertEqual(reply.keyword, "opt_out")
                self.assertIsNone(answer)
                self.assertTrue(self.env["phone.blacklist"].search([("number", "=", CALLER)]))
                self.env["phone.blacklist"]._remove([CALLER])

    def test_opt_in_keywords_take_the_number_off_the_blacklist(self):
        for n, body in enumerate(["START", "unstop", " Yes "]):
            with self.subTest(body=body):
                self.env["phone.blacklist"]._add([CALLER])
                reply, _answer = self.text(body, n=n)
                self.assertEqual(reply.keyword, "opt_in")
                self.assertFalse(self.env["phone.blacklist"].search([("number", "=", CALLER)]))

    def test_an_opted_out_caller_never_gets_a_text_back_again(self):
        self.text("STOP")
        log = self.missed_now(2)
        self.assertEqual((log.textback_state, log.textback_skip_reason), ("skipped", "blacklisted"))
        self.assertTrue(log.lead_id, "the call is still logged and reaches the CRM")

    def test_help_gets_a_short_answer_naming_the_business(self):
        reply, answer = self.text(" help ")
        self.assertEqual(reply.keyword, "help")
        self.assertIn("Acme Plumbing", answer)
        self.assertIn("STOP", answer)

    def test_a_text_from_an_unknown_number_creates_a_contact_and_lead(self):
        reply, _answer = self.text("Do you fix water heaters?", caller="+14155550177")
        self.assertEqual(reply.partner_id.phone_sanitized, "+14155550177")
        self.assertEqual(reply.lead_id.partner_id, reply.partner_id)
        self.assertIn("water heaters", reply.lead_id.message_ids[0].body)
        self.assertFalse(reply.lead_id.source_id, "not a missed call")
        self.assertFalse(reply.call_log_id)

    def test_a_reply_after_24_hours_does_not_count_as_a_response(self):
        log = self.new_call(1, when=fields.Datetime.now() - timedelta(hours=25))
        self.miss(log)
        self.text("Hello?")
        self.assertFalse(log.responded)

    def test_a_text_to_an_unknown_line_is_ignored(self):
        reply, answer = self.env["crm.textback.reply"]._twilio_incoming_sms(self.company, {
            "MessageSid": message_sid(1), "From": CALLER, "To": "+14155550999", "Body": "hi"})
        self.assertFalse(reply)
        self.assertIsNone(answer)


@tagged("post_install", "-at_install")
class TestCallBackMeasures(MissedCallCommon):

    def test_call_back_activity_done_measures_the_call_back(self):
        log = self.new_call(1, when=fields.Datetime.now() - timedelta(minutes=3))
        self.miss(log)
        log.lead_id.activity_ids.action_feedback(feedback="Booked for Tuesday")
        self.assertTrue(log.called_back_at)
        self.assertAlmostEqual(log.callback_seconds, 180, delta=30)
        self.assertTrue(log.called_back_in_time)

    def test_a_call_back_done_in_one_company_marks_no_call_of_another(self):
        log = self.new_call(1, when=fields.Datetime.now() - timedelta(minutes=3))
        self.miss(log)
        lead = log.lead_id
        lead.partner_id.company_id = False
        lead.company_id = False  # shared by the companies
        other = self.env["res.company"].create({"name": "Other Co", "country_id": self.us.id})
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= other
        other_line = self.env["crm.phone.line"].create({
            "name": "Other line", "number": "+14155550177", "forward_to": "+14155550178", "company_id": other.id,
            "user_id": admin.id, "template_id": False, "after_hours_template_id": False})
        theirs = self.new_call(2, line=other_line)
        theirs.write({"status": "missed", "lead_id": lead.id})
        lead.activity_ids.with_user(self.salesman).action_feedback()
        self.assertTrue(log.called_back_at)
        self.assertFalse(theirs.called_back_at, "the other company's call is still to call back")

    def test_a_late_call_back_misses_the_5_minute_rule(self):
        log = self.new_call(1, when=fields.Datetime.now() - timedelta(minutes=40))
        self.miss(log)
        log.lead_id.activity_ids.action_feedback()
        self.assertFalse(log.called_back_in_time)
        self.assertGreaterEqual(log.callback_seconds, 2400)

    def test_an_answered_call_from_the_caller_answers_the_missed_one(self):
        missed = self.new_call(1)
        self.miss(missed)
        answered = self.new_call(2, when=missed.call_start + timedelta(minutes=2))
        answered._record_outcome("answered", False, 60)
        self.assertTrue(missed.responded)
        self.assertEqual(missed.callback_seconds, 120)
        self.assertTrue(missed.called_back_in_time)

    def test_hour_and_weekday_are_those_of_the_line_timezone(self):
        # Sunday 23:30 in New York is Monday 4:30 in UTC: it counts on Sunday.
        log = self.new_call(1, when=scenario(2026, 11, 30, 4, 30))
        self.assertEqual((log.call_hour, log.call_weekday), (23, "6"))

    def test_lead_outcome_and_revenue_won_follow_the_lead(self):
        log = self.new_call(1)
        self.miss(log)
        self.assertEqual(log.lead_outcome, "open")
        log.lead_id.write({"expected_revenue": 450})
        log.lead_id.action_set_won()
        self.assertEqual((log.lead_outcome, log.lead_revenue_won), ("won", 450))
        other = self.new_call(2, caller="+14155550188")
        self.miss(other)
        other.lead_id.action_set_lost()
        self.assertEqual((other.lead_outcome, other.lead_revenue_won), ("lost", 0))
