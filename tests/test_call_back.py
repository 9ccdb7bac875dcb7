"""Calling a missed caller back from the business number, through Odoo's real HTTP
stack: Twilio rings the salesperson first (Calls API, validated by the stand-in),
then dials the caller with the line's number; signed webhooks record the outcome."""
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import CALLER, LINE_NUMBER, OTHER_ACCOUNT_SID, OTHER_AUTH_TOKEN, call_sid
from .test_webhooks import TwilioWebhookCase
from .twilio_fake import EXAMPLE_CALL_SID

AGENT_PHONE = "+14155550142"


@tagged("post_install", "-at_install")
class TestCallBack(TwilioWebhookCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, login="mctb_caller_back", groups="sales_team.group_sale_salesman",
            company_id=cls.company.id, company_ids=[(6, 0, cls.company.ids)])
        cls.salesman.missed_call_phone = "(415) 555-0142"
        cls.line.user_id = cls.salesman

    def missed_call(self, n=1):
        self.incoming_call(n)
        self.dial_status(n, status="no-answer")
        self.run_crm_cron()
        return self.CallLog.search([("call_sid", "=", call_sid(n))])

    def call_back(self, log):
        """The salesperson presses Call Back; return (the call-back's log, the Calls request)."""
        with self.spy_requests() as requests_sent:
            action = log.with_user(self.salesman).action_call_back()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("+1 415-555-0142", action["params"]["message"], "as people read a number")
        placed = [call for call in requests_sent.call_args_list if call.args[2].endswith("/Calls.json")]
        self.assertEqual(len(placed), 1)
        callback = log.callback_ids
        self.assertEqual(len(callback), 1)
        return callback, dict(placed[0].kwargs["data"])

    def callback_post(self, route, callback, **params):
        path = f"/missed_call/twilio/{route}?log={callback.id}"
        return self.post(path, self.call_params(
            caller=LINE_NUMBER, to=AGENT_PHONE, CallSid=callback.call_sid, Direction="outbound-api", **params))

    def test_a_call_back_rings_the_salesperson_then_the_caller_from_the_line_number(self):
        log = self.missed_call()
        self.assertTrue(log.lead_id.activity_ids)
        callback, request = self.call_back(log)
        self.assertEqual((request["To"], request["From"]), (AGENT_PHONE, LINE_NUMBER))
        self.assertEqual(parse_qs(urlsplit(request["Url"]).query)["log"], [str(callback.id)])
        self.assertTrue(request["Url"].startswith(f"{self.line.callback_webhook_url}?"),
                        "the line form shows the address Twilio is given")
        self.assertEqual((callback.direction, callback.status, callback.call_sid), ("outbound", "ringing",
                                                                                    EXAMPLE_CALL_SID))
        self.assertEqual((callback.from_number, callback.callback_user_id), (CALLER, self.salesman))

        # The salesperson answers: Twilio is told to say who is called and to dial the caller.
        root = self.twiml(self.callback_post("callback_answer", callback, CallStatus="in-progress"))
        self.assertIn("Calling back", root.findtext("Say"))
        dial = root.find("Dial")
        self.assertEqual((dial.get("callerId"), dial.findtext("Number")), (LINE_NUMBER, CALLER))
        self.assertIn(f"callback_dial_status?log={callback.id}", dial.get("action"))
        self.assertTrue(callback.agent_answered_at)

        # The caller answers; the call-back lasts 192 s.
        self.twiml(self.callback_post("callback_dial_status", callback, CallStatus="in-progress",
                                      DialCallStatus="completed", DialCallDuration="192"))
        self.assertEqual((callback.status, callback.duration), ("answered", 192))
        self.assertEqual(log.called_back_at, callback.agent_answered_at, "the real call-back time")
        self.assertTrue(log.called_back_in_time)
        self.assertFalse(log.lead_id.activity_ids, "an answered call-back closes the call-back activity")
        self.assertIn("called back", log.lead_id.message_ids[0].body)
        self.assertIn("3 min 12 s", log.lead_id.message_ids[0].body)

        # Replays change nothing; an unsigned request is refused.
        self.callback_post("callback_dial_status", callback, DialCallStatus="no-answer", DialCallDuration="0")
        self.assertEqual(callback.status, "answered")
        with self.refused():
            response = self.post(f"/missed_call/twilio/callback_answer?log={callback.id}",
                                 self.call_params(CallSid=callback.call_sid), signature="forged")
        self.assertEqual(response.status_code, 403)

    def test_a_salesperson_who_does_not_answer_leaves_the_call_missed_and_not_called_back(self):
        log = self.missed_call()
        callback, _request = self.call_back(log)
        self.callback_post("callback_status", callback, CallStatus="no-answer")
        self.assertEqual((callback.status, callback.missed_reason), ("missed", "agent_no_answer"))
        self.assertFalse(log.called_back_at)
        self.assertTrue(log.lead_id.activity_ids)
        root = self.twiml(self.callback_post("callback_answer", callback, CallStatus="in-progress"))
        self.assertIsNone(root.find("Dial"), "a call-back that is over never dials the caller")

    def test_a_call_back_is_not_the_line_last_call_received(self):
        log = self.missed_call()
        self.call_back(log)
        self.line.invalidate_recordset(["last_call_at", "last_call_result"])
        self.assertEqual(self.line.last_call_at, log.create_date)
        self.assertIn("Missed", self.line.last_call_result)

    def test_a_call_back_is_never_placed_twice_while_it_rings(self):
        log = self.missed_call()
        self.call_back(log)
        with self.assertRaisesRegex(UserError, "already ringing"):
            log.with_user(self.salesman).action_call_back()

    def test_a_caller_who_did_not_answer_is_still_called_back_in_time(self):
        log = self.missed_call()
        callback, _request = self.call_back(log)
        self.callback_post("callback_answer", callback, CallStatus="in-progress")
        self.callback_post("callback_dial_status", callback, DialCallStatus="no-answer", DialCallDuration="0")
        self.assertEqual((callback.status, callback.missed_reason), ("missed", "no-answer"))
        self.assertEqual(log.called_back_at, callback.agent_answered_at, "the caller's phone rang: called back")
        self.assertTrue(log.lead_id.activity_ids, "the call-back activity stays until somebody gets through")

    def test_the_lead_button_calls_back_through_the_line_the_caller_called(self):
        log = self.missed_call()
        lead = log.lead_id.with_user(self.salesman)
        with self.spy_requests() as requests_sent:
            lead.action_missed_call_back()
        placed = [call for call in requests_sent.call_args_list if call.args[2].endswith("/Calls.json")]
        self.assertEqual(dict(placed[0].kwargs["data"])["From"], LINE_NUMBER)
        self.assertEqual(log.callback_ids.lead_id, log.lead_id)

    def test_without_twilio_the_button_dials_from_this_device(self):
        log = self.missed_call()
        self.company.twilio_auth_token = False
        self.assertEqual(log.with_user(self.salesman).action_call_back()["url"], f"tel:{CALLER}")

    def test_a_salesperson_cannot_call_back_a_colleague_caller(self):
        log = self.missed_call()
        colleague = new_test_user(self.env, login="mctb_colleague_cb", groups="sales_team.group_sale_salesman",
                                  company_id=self.company.id, company_ids=[(6, 0, self.company.ids)])
        with self.assertRaises(AccessError):
            log.with_user(colleague).action_call_back()

    def test_webhooks_of_another_company_cannot_touch_a_call_back(self):
        log = self.missed_call()
        callback, _request = self.call_back(log)
        params = self.call_params(account_sid=OTHER_ACCOUNT_SID, CallSid=callback.call_sid, CallStatus="in-progress")
        root = etree.fromstring(self.post(f"/missed_call/twilio/callback_answer?log={callback.id}", params,
                                          auth_token=OTHER_AUTH_TOKEN).content)
        self.assertIsNone(root.find("Dial"))
        self.assertFalse(callback.agent_answered_at)
