from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CALLER, MissedCallCommon


@tagged("post_install", "-at_install")
class TestMissedCallCrm(MissedCallCommon):

    def test_new_caller_gets_a_contact_and_a_tagged_lead_with_a_call_back_activity(self):
        log = self.new_call()
        self.miss(log)
        partner, lead = log.partner_id, log.lead_id
        self.assertTrue(log.crm_synced)
        self.assertEqual(partner.name, "+1 415-555-0123")
        self.assertEqual(partner.phone_sanitized, CALLER)
        self.assertEqual(partner.country_id, self.us)
        self.assertEqual(partner.company_id, self.company)
        self.assertEqual(lead.partner_id, partner)
        self.assertEqual(lead.phone_sanitized, CALLER)
        self.assertEqual(lead.source_id, self.env.ref("crm_missed_call_textback.utm_source_missed_call"))
        self.assertEqual(lead.medium_id, self.env.ref("utm.utm_medium_phone"))
        self.assertIn(self.env.ref("crm_missed_call_textback.crm_tag_missed_call"), lead.tag_ids)
        self.assertEqual((lead.user_id, lead.company_id), (self.salesman, self.company))
        self.assertIn("Nov 25, 2026", lead.description)
        self.assertIn("10:00", lead.description)
        activity = lead.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(activity.user_id, self.salesman)
        self.assertLessEqual(activity.date_deadline, activity.create_date.date())

    def test_the_salesperson_is_notified_at_once(self):
        self.env["bus.bus"].search([]).unlink()
        self.miss(self.new_call(1, when=fields.Datetime.now()))
        self.miss(self.new_call(2, caller="+14155550150"))  # days ago: no news any more
        notes = self.env["bus.bus"].search([]).filtered(lambda note: "call back within 5 minutes" in note.message)
        self.assertEqual(len(notes), 1)
        self.assertIn("415-555-0123", notes.message)
        self.assertTrue(any(f'"res.partner", {self.salesman.partner_id.id}' in note.channel
                            or str(self.salesman.partner_id.id) in note.channel for note in notes))

    def test_the_text_back_appears_in_the_lead_chatter(self):
        log = self.new_call()
        self.miss(log)
        bodies = " ".join(log.lead_id.message_ids.mapped("body"))
        self.assertIn("Text-back sent", bodies)
        self.assertIn("Sorry we missed your call", bodies)

    def test_existing_customer_with_differently_formatted_number_is_matched(self):
        customer = self.env["res.partner"].create({
            "name": "Dana Whitfield", "phone": "(415) 555-0123", "country_id": self.us.id,
        })
        log = self.new_call()
        self.miss(log)
        self.assertEqual(log.partner_id, customer)
        self.assertIn("Hi Dana,", log.textback_body)
        self.assertEqual(self.env["res.partner"].search_count([("phone_sanitized", "=", CALLER)]), 1)
        self.assertIn("Missed call", customer.message_ids[0].body)

    def test_customer_stored_without_country_is_matched_by_digits(self):
        customer = self.env["res.partner"].create({"name": "Lee Park", "mobile": "+1 (415) 555 0123"})
        log = self.new_call()
        self.miss(log)
        self.assertEqual(log.partner_id, customer)

    def test_open_lead_for_the_number_is_updated_not_duplicated(self):
        lead = self.env["crm.lead"].create({
            "name": "Bathroom remodel", "phone": "415-555-0123", "country_id": self.us.id,
            "company_id": self.company.id, "user_id": self.manager.id,
        })
        first, second = self.new_call(1), self.new_call(2)
        self.miss(first)
        self.miss(second)
        self.assertEqual(first.lead_id, lead)
        self.assertEqual(second.lead_id, lead)
        self.assertEqual(self.env["crm.lead"].search_count([("phone_sanitized", "=", CALLER)]), 1)
        self.assertEqual(lead.partner_id, first.partner_id)
        self.assertEqual(len(lead.activity_ids), 1, "one open call-back, not one per missed call")
        self.assertEqual(lead.activity_ids.user_id, self.manager, "the lead's salesperson calls back")
        self.assertEqual(lead.call_log_count, 2)

    def test_won_lead_is_left_alone_and_a_new_one_is_created(self):
        won = self.env["crm.lead"].create({
            "name": "Old job", "phone": CALLER, "company_id": self.company.id, "probability": 100,
        })
        won.action_set_won()
        log = self.new_call()
        self.miss(log)
        self.assertNotEqual(log.lead_id, won)
        self.assertTrue(log.lead_id)

    def test_lead_of_another_company_is_never_touched(self):
        other = self.env["res.company"].create({"name": "Other Co", "country_id": self.us.id})
        foreign = self.env["crm.lead"].create({"name": "Theirs", "phone": CALLER, "company_id": other.id})
        log = self.new_call()
        self.miss(log)
        self.assertNotEqual(log.lead_id, foreign)
        self.assertEqual(log.lead_id.company_id, self.company)

    def test_crm_failure_keeps_the_text_and_is_finished_by_the_next_cron_run(self):
        log = self.new_call()
        with patch.object(type(self.env["crm.lead"]), "create", side_effect=RuntimeError("database hiccup")), \
                mute_logger("odoo.addons.crm_missed_call_textback.models.crm_call_log"):
            sent = self.miss(log)
        self.assertEqual(len(sent), 1)
        self.assertFalse(log.crm_synced)
        self.assertFalse(log.lead_id)
        with self.mock_twilio_send() as recorder:
            self.CallLog._cron_crm_sync(auto_commit=False)
            self.CallLog._cron_textback_retry(auto_commit=False)
        self.assertEqual(recorder.sent, [], "the text is never sent twice")
        self.assertTrue(log.crm_synced)
        self.assertTrue(log.lead_id)

    def test_a_missed_call_wakes_the_crm_cron_instead_of_waiting_for_it(self):
        cron = self.env.ref("crm_missed_call_textback.ir_cron_missed_call_crm")
        log = self.new_call()
        with self.mock_twilio_send() as recorder:
            log._record_outcome("missed", "no-answer", 0)
        self.assertEqual(len(recorder.sent), 1, "the text goes out first")
        self.assertFalse(log.crm_synced)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))

