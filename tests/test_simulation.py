"""The administrators' "Simulate a Missed Call": the real webhooks, signed as Twilio
signs them, while the Twilio API base URL points at a sandbox (the stand-in)."""
import socket

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .test_webhooks import TwilioWebhookCase
from .twilio_fake import EXAMPLE_MESSAGE_SID


@tagged("post_install", "-at_install")
class TestMissedCallSimulation(TwilioWebhookCase):

    def simulate(self, **values):
        wizard = self.env["crm.missed.call.simulation"].create({"line_id": self.line.id, **values})
        with self.requests_from_odoo():
            action = wizard.action_simulate()
        self.env.invalidate_all()
        return self.CallLog.browse(action["res_id"])

    def test_a_simulated_call_is_logged_texted_and_reaches_a_tagged_lead(self):
        log = self.simulate(caller_number="(415) 555-0177", outcome="busy")
        self.assertEqual((log.status, log.missed_reason), ("missed", "busy"))
        self.assertEqual(log.from_number, "+14155550177")
        self.assertEqual(log.line_id, self.line)
        self.assertEqual(log.textback_sid, EXAMPLE_MESSAGE_SID, "sent through the stand-in")
        self.assertTrue(log.crm_synced, "the lead is there when the call opens")
        self.assertIn(self.env.ref("crm_missed_call_textback.crm_tag_missed_call"), log.lead_id.tag_ids)
        self.assertEqual(log.partner_id.phone_sanitized, "+14155550177")

    def test_a_line_offers_the_simulation_only_while_twilio_is_a_sandbox(self):
        self.assertTrue(self.line.twilio_sandbox)
        self.env["ir.config_parameter"].set_param("crm_missed_call_textback.twilio_api_base_url", False)
        self.line.invalidate_recordset(["twilio_sandbox"])
        self.assertFalse(self.line.twilio_sandbox)
        with self.assertRaisesRegex(UserError, "real text"):
            self.simulate()
        self.assertFalse(self.CallLog.search_count([("line_id", "=", self.line.id)]))

    def test_a_caller_number_that_is_not_a_phone_number_is_refused(self):
        with self.assertRaisesRegex(UserError, "not a phone number"):
            self.simulate(caller_number="call me maybe")
        self.assertFalse(self.CallLog.search_count([("line_id", "=", self.line.id)]))

    def test_an_odoo_that_cannot_be_reached_is_said_in_words(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.env["ir.config_parameter"].set_param("web.base.url", f"http://127.0.0.1:{port}")
        with self.assertRaises(UserError) as caught:
            self.simulate()
        message = str(caught.exception)
        self.assertIn("no server answered at that address", message)
        for noise in ("object at 0x", "Pool(", "Error(", "<urllib3"):
            self.assertNotIn(noise, message)

    def test_only_administrators_can_simulate(self):
        manager = new_test_user(self.env, login="mctb_sim_manager", groups="sales_team.group_sale_manager",
                                company_id=self.company.id, company_ids=[(6, 0, [self.company.id])])
        with self.assertRaises(AccessError):
            self.env["crm.missed.call.simulation"].with_user(manager).create({"line_id": self.line.id})
