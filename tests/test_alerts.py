"""The salesperson hears of a missed call on his phone at once: a text through the line,
once per missed call, with a link to the lead; Odoo's "activity assigned" email only
where the line alerts by email."""
from odoo.tests import new_test_user, tagged

from .common import CALLER, LINE_NUMBER, call_sid
from .test_webhooks import TwilioWebhookCase

ON_CALL_PHONE = "+14155550155"


@tagged("post_install", "-at_install")
class TestAlerts(TwilioWebhookCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.on_call = new_test_user(
            cls.env, login="mctb_on_call", groups="sales_team.group_sale_salesman",
            company_id=cls.company.id, company_ids=[(6, 0, cls.company.ids)], email="oncall@acme.example")
        cls.on_call.missed_call_phone = ON_CALL_PHONE
        cls.line.write({"alert_user_id": cls.on_call.id, "user_id": cls.on_call.id})

    def missed_call(self, n=1, caller=CALLER):
        """A missed call through the webhooks, then the CRM cron; return the log and the texts
        the cron sent."""
        self.incoming_call(n, caller=caller)
        self.dial_status(n, status="no-answer", caller=caller)
        with self.spy_requests() as requests_sent:
            self.run_crm_cron()
        sends = [dict(call.kwargs["data"]) for call in requests_sent.call_args_list
                 if call.args[1] == "POST" and call.args[2].endswith("/Messages.json")]
        return self.CallLog.search([("call_sid", "=", call_sid(n))]), sends

    def activity_emails(self, lead):
        return self.env["mail.message"].search([
            ("message_type", "=", "user_notification"), ("model", "=", "crm.lead"), ("res_id", "=", lead.id)])

    def test_a_missed_call_texts_the_on_call_phone_once_with_the_lead(self):
        log, sends = self.missed_call()
        self.assertEqual(len(sends), 1)
        alert = sends[0]
        self.assertEqual((alert["To"], alert["From"]), (ON_CALL_PHONE, LINE_NUMBER))
        self.assertIn("+1 415-555-0123", alert["Body"])
        self.assertIn("texted them back", alert["Body"])
        self.assertIn(f"/odoo/crm.lead/{log.lead_id.id}", alert["Body"])
        self.assertNotIn("StatusCallback", alert, "no delivery receipts: two requests per missed call saved")
        self.assertTrue(log.alert_sms_uuid)
        self.assertFalse(self.activity_emails(log.lead_id), "the text replaces Odoo's activity email")
        with self.spy_requests() as requests_sent:
            self.run_crm_cron()
            self.send_waiting_alerts()
        self.assertFalse([c for c in requests_sent.call_args_list if c.args[2].endswith("/Messages.json")],
                         "never twice")

    def test_an_on_call_user_who_may_not_open_the_lead_gets_no_link(self):
        # Own Documents Only, and the caller's open lead is a colleague's.
        self.line.user_id = self.env.ref("base.user_admin")
        self.env.ref("base.user_admin").company_ids |= self.company
        colleague = new_test_user(self.env, login="mctb_alert_colleague", groups="sales_team.group_sale_salesman",
                                  company_id=self.company.id, company_ids=[(6, 0, self.company.ids)])
        self.env["crm.lead"].create({"name": "Earlier", "phone": CALLER, "user_id": colleague.id,
                                     "company_id": self.company.id})
        log, sends = self.missed_call()
        self.assertEqual(log.lead_id.user_id, colleague)
        self.assertEqual(len(sends), 1)
        self.assertNotIn("/odoo/crm.lead/", sends[0]["Body"])
        self.assertIn("Call back within 5 minutes.", sends[0]["Body"])

    def test_a_cron_run_under_another_company_context_alerts_with_the_link(self):
        # The scheduler's context may allow companies the on-call user is not in: his access
        # to the lead is judged in his own companies, never an AccessError failing the batch.
        self.incoming_call(1)
        self.dial_status(1, status="no-answer")
        CallLog = self.CallLog.with_context(allowed_company_ids=self.other_company.ids)
        with self.spy_requests() as requests_sent:
            CallLog._cron_crm_sync(auto_commit=False, companies=self.made_companies())
        log = self.CallLog.search([("call_sid", "=", call_sid(1))])
        self.assertTrue(log.crm_synced and log.lead_id)
        sends = [dict(call.kwargs["data"]) for call in requests_sent.call_args_list
                 if call.args[2].endswith("/Messages.json")]
        self.assertEqual(len(sends), 1)
        self.assertIn(f"/odoo/crm.lead/{log.lead_id.id}", sends[0]["Body"])

    def test_a_line_that_alerts_by_email_keeps_odoo_activity_email(self):
        self.line.alert_channel = "email"
        log, sends = self.missed_call()
        self.assertEqual(sends, [])
        self.assertTrue(self.activity_emails(log.lead_id))

    def test_a_line_that_alerts_both_ways_texts_and_emails(self):
        self.line.alert_channel = "both"
        log, sends = self.missed_call()
        self.assertEqual(len(sends), 1)
        self.assertTrue(self.activity_emails(log.lead_id))

    def test_business_hours_only_alerts_stay_quiet_after_hours(self):
        self.line.write({"alert_when": "business_hours", "calendar_id": self.env["resource.calendar"].create({
            "name": "Never open", "attendance_ids": [], "tz": "America/New_York",
            "company_id": self.company.id}).id})
        _log, sends = self.missed_call()
        self.assertEqual(sends, [])

    def test_without_a_phone_the_line_forward_to_gets_the_alert(self):
        self.on_call.missed_call_phone = False
        _log, sends = self.missed_call()
        self.assertEqual(sends[0]["To"], self.line.forward_to)

    def test_no_alert_no_email(self):
        self.line.alert_channel = "none"
        log, sends = self.missed_call()
        self.assertEqual(sends, [])
        self.assertFalse(self.activity_emails(log.lead_id))
