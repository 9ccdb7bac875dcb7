"""Odoo's own SMS composer sends through the company's Twilio account from the line the
recipient last called or texted (Messages requests validated by the stand-in), shows the
delivery status Twilio reports, threads the reply, and never texts an opted-out number.
Without sms_twilio (Odoo 18, or 19 without it): the add-on's route; with it, its tests
are in test_sms_twilio_account."""
import json

from odoo.tests import tagged

from .common import CALLER, LINE_NUMBER, OTHER_ACCOUNT_SID, OTHER_AUTH_TOKEN, call_sid, message_sid
from .test_webhooks import TwilioWebhookCase

SECOND_LINE = "+14155550177"


class SmsThroughLinesCase(TwilioWebhookCase):

    def setUp(self):
        super().setUp()
        if self.env["res.company"]._sms_twilio_installed():
            self.skipTest("Odoo's Twilio SMS is installed: it sends, with the add-on's lines (test_sms_twilio_account)")

    def missed_call(self, n=1, caller=CALLER, line=None):
        line = line or self.line
        self.incoming_call(n, caller=caller, to=line.number)
        self.dial_status(n, status="no-answer", caller=caller, to=line.number)
        self.run_crm_cron()
        return self.CallLog.search([("call_sid", "=", call_sid(n))])

    def compose(self, record, body="When can we come by?"):
        """Odoo's SMS composer on ``record``, as the chatter's SMS button opens it; return
        (the posted message, the Messages requests sent)."""
        composer = self.env["sms.composer"].with_context(
            default_res_model=record._name, default_res_id=record.id).create({"body": body})
        with self.spy_requests() as requests_sent:
            messages = composer._action_send_sms()
        sends = [dict(call.kwargs["data"]) for call in requests_sent.call_args_list
                 if call.args[1] == "POST" and call.args[2].endswith("/Messages.json")]
        self.env.invalidate_all()
        return messages, sends


@tagged("post_install", "-at_install")
class TestSmsThroughLines(SmsThroughLinesCase):

    def test_the_composer_sends_from_the_line_the_caller_called_and_shows_its_delivery(self):
        second = self.line.copy({"name": "Second line", "number": SECOND_LINE})
        log = self.missed_call(1, line=second)
        message, sends = self.compose(log.lead_id)
        self.assertEqual(len(sends), 1)
        self.assertEqual((sends[0]["To"], sends[0]["From"], sends[0]["Body"]),
                         (CALLER, SECOND_LINE, "When can we come by?"))
        self.assertTrue(sends[0]["StatusCallback"].startswith(f"{log.line_id.sms_status_webhook_url}?sms="),
                        "the line form shows the address Twilio is given")
        self.assertEqual(message.message_type, "sms")
        notification = message.notification_ids
        self.assertEqual(notification.notification_status, "pending", "sent: Twilio took it")

        sms_uuid = sends[0]["StatusCallback"].rsplit("=", 1)[1]
        status = {"AccountSid": self.company.twilio_account_sid, "MessageSid": message_sid(50),
                  "MessageStatus": "delivered", "To": CALLER, "From": SECOND_LINE}
        self.assertEqual(self.post(f"/missed_call/twilio/sms_status?sms={sms_uuid}", status).status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(notification.notification_status, "sent", "delivered, as Twilio reports it")
        late = dict(status, MessageStatus="sent")
        self.post(f"/missed_call/twilio/sms_status?sms={sms_uuid}", late)
        self.env.invalidate_all()
        self.assertEqual(notification.notification_status, "sent", "a status never moves back")

        # The caller answers: the reply threads into the same chatter.
        self.post("/missed_call/twilio/sms", {
            "AccountSid": self.company.twilio_account_sid, "MessageSid": message_sid(51), "From": CALLER,
            "To": SECOND_LINE, "Body": "Tomorrow 9am works"})
        self.env.invalidate_all()
        self.assertIn("Tomorrow 9am works", log.lead_id.message_ids[0].body)

    def test_a_recipient_who_never_called_gets_texts_from_the_default_line(self):
        self.line.copy({"name": "Second line", "number": SECOND_LINE})
        partner = self.env["res.partner"].create({"name": "Pat", "phone": "+14155550144",
                                                   "company_id": self.company.id})
        self.company.missed_call_default_line_id = self.line
        _message, sends = self.compose(partner)
        self.assertEqual((sends[0]["To"], sends[0]["From"]), ("+14155550144", LINE_NUMBER))

    def test_an_opted_out_number_is_never_texted(self):
        log = self.missed_call()
        self.post("/missed_call/twilio/sms", {
            "AccountSid": self.company.twilio_account_sid, "MessageSid": message_sid(60), "From": CALLER,
            "To": LINE_NUMBER, "Body": "STOP"})
        message, sends = self.compose(log.lead_id)
        self.assertEqual(sends, [])
        self.assertEqual((message.notification_ids.notification_status, message.notification_ids.failure_type),
                         ("exception", "sms_not_allowed"))

    def test_a_status_signed_by_another_company_changes_nothing(self):
        log = self.missed_call()
        message, sends = self.compose(log.lead_id)
        sms_uuid = sends[0]["StatusCallback"].rsplit("=", 1)[1]
        status = {"AccountSid": OTHER_ACCOUNT_SID, "MessageSid": message_sid(70), "MessageStatus": "failed",
                  "ErrorCode": "30003"}
        self.post(f"/missed_call/twilio/sms_status?sms={sms_uuid}", status, auth_token=OTHER_AUTH_TOKEN)
        self.env.invalidate_all()
        self.assertEqual(message.notification_ids.notification_status, "pending")

    def test_a_company_without_twilio_keeps_odoo_sms_service(self):
        log = self.missed_call()
        self.company.missed_call_sms_via_twilio = False
        _message, sends = self.compose(log.lead_id)
        self.assertEqual(sends, [], "Odoo's own SMS service, not Twilio")

    def test_the_call_log_opens_the_sms_composer_on_its_lead(self):
        log = self.missed_call()
        action = log.with_user(self.env.ref("base.user_admin")).action_send_sms()
        self.assertEqual(action["res_model"], "sms.composer")
        self.assertEqual((action["context"]["default_res_model"], action["context"]["default_res_id"]),
                         ("crm.lead", log.lead_id.id))
        self.assertTrue(json.dumps(action))
