"""One Twilio account per company: where Odoo's Twilio SMS (sms_twilio, Odoo 19)
is installed and filled in, calls and text-backs use its account; elsewhere the
add-on keeps its own. Skipped where sms_twilio is not installed (Odoo 18, or a
database without it); scripts/test installs it wherever Odoo has it."""
from odoo.tests import Form, tagged

from .common import ACCOUNT_SID, AUTH_TOKEN, CALLER, LINE_NUMBER, MissedCallCommon, call_sid
from .test_webhooks import TwilioWebhookCase

SMS_ACCOUNT_SID = "AC" + "3" * 32
SMS_AUTH_TOKEN = "3" * 32
NOT_INSTALLED = "Odoo's Twilio SMS (sms_twilio, Odoo 19 and later) is not installed in this database"


class SmsTwilioMixin:

    def setUp(self):
        super().setUp()
        if not self.env["res.company"]._sms_twilio_installed():
            self.skipTest(NOT_INSTALLED)

    def fill_sms_twilio_account(self, account_sid=SMS_ACCOUNT_SID, auth_token=SMS_AUTH_TOKEN):
        self.company.write({"sms_twilio_account_sid": account_sid, "sms_twilio_auth_token": auth_token})


@tagged("post_install", "-at_install")
class TestSmsTwilioAccount(SmsTwilioMixin, MissedCallCommon):

    def test_the_twilio_sms_account_is_used_once_filled_in(self):
        self.fill_sms_twilio_account()
        client = self.company._twilio_client()
        self.assertEqual((client.username, client.password), (SMS_ACCOUNT_SID, SMS_AUTH_TOKEN))
        Company = self.env["res.company"]
        self.assertEqual(Company._twilio_companies_for_account(SMS_ACCOUNT_SID), self.company)
        self.assertFalse(Company._twilio_companies_for_account(ACCOUNT_SID), "its own account is no longer used")

    def test_the_add_on_keeps_its_own_account_until_twilio_sms_is_filled_in(self):
        self.fill_sms_twilio_account(auth_token=False)
        client = self.company._twilio_client()
        self.assertEqual((client.username, client.password), (ACCOUNT_SID, AUTH_TOKEN))
        self.assertEqual(self.env["res.company"]._twilio_companies_for_account(ACCOUNT_SID), self.company)

    def test_settings_show_the_one_account_in_use(self):
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [(4, self.company.id)], "company_id": self.company.id})
        Settings = self.env["res.config.settings"].with_user(admin).with_company(self.company)
        settings = Form(Settings)  # both modules' settings in one form: no field of the two clashes
        self.assertFalse(settings.missed_call_uses_sms_twilio)
        self.assertEqual(settings.missed_call_twilio_account_sid, ACCOUNT_SID)
        self.fill_sms_twilio_account()
        settings = Form(Settings)
        self.assertTrue(settings.missed_call_uses_sms_twilio)
        self.assertEqual(settings.missed_call_twilio_account_sid, SMS_ACCOUNT_SID)
        self.assertIn(ACCOUNT_SID, settings.missed_call_twilio_account_warning,
                      "the administrator learns that the add-on's own account is no longer used")
        action = settings.save().action_open_sms_twilio_account()
        self.assertEqual(action["res_model"], "sms.twilio.account.manage")


@tagged("post_install", "-at_install")
class TestSmsTwilioAccountWebhooks(SmsTwilioMixin, TwilioWebhookCase):

    def test_webhooks_are_signed_by_the_twilio_sms_account(self):
        self.fill_sms_twilio_account()
        with self.refused():
            refused = self.incoming_call(1)  # signed with the add-on's own, now unused, account
        self.assertEqual(refused.status_code, 403)
        response = self.post("/missed_call/twilio/voice", self.call_params(2, account_sid=SMS_ACCOUNT_SID),
                             auth_token=SMS_AUTH_TOKEN)
        self.assertEqual(response.status_code, 200, response.text)
        log = self.CallLog.search([("call_sid", "=", call_sid(2))])
        self.assertEqual((log.line_id, log.to_number), (self.line, LINE_NUMBER))
        self.assertFalse(self.CallLog.search([("call_sid", "=", call_sid(1))]))


@tagged("post_install", "-at_install")
class TestSmsTwilioSendsFromLines(SmsTwilioMixin, TwilioWebhookCase):
    """With Odoo's Twilio SMS sending the company's SMS, the add-on only chooses the line."""

    def setUp(self):
        super().setUp()
        self.company.write({"sms_provider": "twilio", "sms_twilio_account_sid": ACCOUNT_SID,
                            "sms_twilio_auth_token": AUTH_TOKEN})

    def compose(self, record, body="When can we come by?"):
        composer = self.env["sms.composer"].with_context(
            default_res_model=record._name, default_res_id=record.id).create({"body": body})
        with self.spy_requests() as requests_sent:
            message = composer._action_send_sms()
        self.env.invalidate_all()
        return message, [dict(call.kwargs["data"]) for call in requests_sent.call_args_list
                         if call.args[1] == "POST" and call.args[2].endswith("/Messages.json")]

    def missed_call(self):
        self.incoming_call(1)
        self.dial_status(1, status="no-answer")
        self.run_crm_cron()
        return self.CallLog.search([("call_sid", "=", call_sid(1))])

    def test_odoo_twilio_sms_sends_from_the_line_the_caller_called(self):
        log = self.missed_call()
        message, sends = self.compose(log.lead_id)
        self.assertEqual((sends[0]["To"], sends[0]["From"]), (CALLER, LINE_NUMBER))
        self.assertIn("/sms_twilio/status/", sends[0]["StatusCallback"], "its status reaches Odoo's own route")
        self.assertEqual(message.notification_ids.notification_status, "pending")

    def test_odoo_twilio_sms_never_texts_an_opted_out_number(self):
        log = self.missed_call()
        self.env["phone.blacklist"]._add([CALLER])
        message, sends = self.compose(log.lead_id)
        self.assertEqual(sends, [])
        self.assertEqual(message.notification_ids.notification_status, "exception")
        self.assertIn("opted out", message.notification_ids.failure_reason)
