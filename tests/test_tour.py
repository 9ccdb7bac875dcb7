"""The main path of a sales manager, in a real browser: an Odoo tour run by
HttpCase in headless Chromium."""
from odoo.tests import tagged

from .test_webhooks import TwilioWebhookCase


@tagged("post_install", "-at_install")
class TestMissedCallTour(TwilioWebhookCase):

    def test_main_path_from_the_call_log_to_the_lead_the_dashboard_and_a_template(self):
        admin = self.env.ref("base.user_admin")
        admin.company_id = self.company
        self.incoming_call()
        self.dial_status(status="no-answer")
        self.CallLog._cron_crm_sync(auto_commit=False)
        log = self.CallLog.search([("line_id", "=", self.line.id)])
        self.assertTrue(log.lead_id, "the tour follows the call to its lead")
        self.start_tour("/odoo", "crm_missed_call_textback_main_path", login="admin", timeout=180)
        template = self.env.ref("crm_missed_call_textback.textback_template_in_hours")
        self.assertEqual(template.preview_segments, 1, "the tour discarded its edit")
