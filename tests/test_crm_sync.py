import json
import logging
import re
from collections import Counter
from datetime import timedelta
from unittest.mock import patch

from psycopg2.errors import SerializationFailure

from odoo import fields
from odoo.sql_db import Cursor
from odoo.tests import new_test_user, tagged
from odoo.tools import format_datetime, mute_logger

from ..models.crm_call_log_crm import CRM_BATCH_SIZE
from .common import (
    CALL_LOG_LOGGER,
    CALLER,
    OTHER_ACCOUNT_SID,
    OTHER_AUTH_TOKEN,
    WEDNESDAY_10AM_NY,
    MissedCallCommon,
    call_sid,
)


@tagged("post_install", "-at_install")
class TestMissedCallCrm(MissedCallCommon):

    def test_new_caller_gets_a_contact_and_a_tagged_lead_with_a_call_back_activity(self):
        log = self.new_call()
        self.miss(log)
        partner, lead = log.partner_id, log.lead_id
        self.assertTrue(log.crm_synced)
        self.assertEqual(partner.name, "+1 415-555-0123")
        self.assertEqual(partner.phone_sanitized, CALLER)
        self.assertEqual((partner.phone, lead.phone), ("+1 415-555-0123", "+1 415-555-0123"),
                         "written as Odoo writes a number typed in a form")
        self.assertEqual(partner.country_id, self.us)
        self.assertEqual(partner.company_id, self.company)
        self.assertEqual(lead.partner_id, partner)
        self.assertEqual(lead.phone_sanitized, CALLER)
        self.assertEqual(lead.source_id, self.env.ref("crm_missed_call_textback.utm_source_missed_call"))
        self.assertEqual(lead.medium_id, self.env.ref("utm.utm_medium_phone"))
        self.assertIn(self.env.ref("crm_missed_call_textback.crm_tag_missed_call"), lead.tag_ids)
        self.assertEqual((lead.user_id, lead.company_id), (self.salesman, self.company))
        # The call's time in the line's timezone (10 AM in New York, 15:00 UTC), as Odoo formats datetimes.
        self.assertIn(format_datetime(self.env, WEDNESDAY_10AM_NY, tz="America/New_York"), lead.description)
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
        payload = json.loads(notes.message)["payload"]
        log = self.CallLog.search([("call_sid", "=", call_sid(1))])
        self.assertEqual((payload["lead_id"], payload["number"]), (log.lead_id.id, CALLER),
                         "the pop-up opens the lead and calls the caller back")
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

    def test_customer_odoo_never_sanitized_is_matched_by_digits(self):
        customer = self.env["res.partner"].create({"name": "Lee Park", "phone": "+1 (415) 555 0123"})
        # A contact whose number Odoo never sanitized (written straight into the table by an import).
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_partner SET phone_sanitized = NULL WHERE id = %s", [customer.id])
        customer.invalidate_recordset(["phone_sanitized"])
        self.assertFalse(customer.phone_sanitized)
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
                mute_logger("odoo.addons.crm_missed_call_textback.models.crm_call_log",
                            "odoo.addons.crm_missed_call_textback.models.crm_call_log_crm"):
            sent = self.miss(log)
        self.assertEqual(len(sent), 1)
        self.assertFalse(log.crm_synced)
        self.assertFalse(log.lead_id)
        with self.mock_twilio_send() as recorder:
            self.run_crm_cron()
            self.run_retry_cron()
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


    def miss_without_crm(self, logs):
        """The text-backs of ``logs``, with their CRM update left to one later cron run."""
        with self.mock_twilio_send():
            for log in logs:
                log._record_outcome("missed", "no-answer", 0)

    def test_a_cron_run_for_some_companies_leaves_the_work_of_the_others_waiting(self):
        other = self.env["res.company"].create({"name": "Other Co", "country_id": self.us.id,
                                                "twilio_account_sid": OTHER_ACCOUNT_SID,
                                                "twilio_auth_token": OTHER_AUTH_TOKEN})
        other_user = new_test_user(self.env, login="mctb_other_seller", groups="sales_team.group_sale_salesman",
                                   company_id=other.id, company_ids=[(6, 0, other.ids)])
        other_line = self.env["crm.phone.line"].create({
            "name": "Other line", "number": "+14155550171", "forward_to": "+14155550172",
            "company_id": other.id, "user_id": other_user.id, "alert_channel": "email"})
        ours, theirs = self.new_call(1), self.new_call(2, line=other_line)
        self.miss_without_crm(ours | theirs)
        self.CallLog._cron_crm_sync(auto_commit=False, companies=self.company)
        self.assertEqual((ours.crm_synced, theirs.crm_synced), (True, False))
        self.CallLog._cron_crm_sync(auto_commit=False, companies=other)
        self.assertTrue(theirs.crm_synced)
        self.assertEqual(self.CallLog._companies_domain(None), [], "the scheduler's run: every company's work")

    def test_calls_changed_by_another_transaction_meanwhile_are_left_for_the_next_run(self):
        logs = self.new_call(1, caller="+14155550160") | self.new_call(2, caller="+14155550161")
        self.miss_without_crm(logs)
        cron = self.env.ref("crm_missed_call_textback.ir_cron_missed_call_crm")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
        changed = SerializationFailure("could not serialize access due to concurrent update")
        # As the scheduler runs it (committing), the transaction's commits and rollback faked.
        with patch.object(type(self.CallLog), "_lock_rows_not_held", side_effect=changed), \
                patch.object(self.env.cr, "commit"), patch.object(self.env.cr, "rollback"), \
                self.assertLogs(CALL_LOG_LOGGER, logging.INFO) as logged:
            self.CallLog.with_context(ir_cron_progress_id=progress.id, cron_id=cron.id)._cron_crm_sync(
                companies=self.company)
        self.assertFalse(any(logs.mapped("crm_synced")))
        self.assertEqual(progress.remaining, 2, "the scheduler runs the cron again at once")
        self.assertIn("left for the next run", logged.output[0])
        self.run_crm_cron()
        self.assertTrue(all(logs.mapped("crm_synced")))

    def test_a_cron_run_that_leaves_calls_waiting_tells_the_scheduler_to_run_again(self):
        logs = self.new_call(1, caller="+14155550160") | self.new_call(2, caller="+14155550161")
        self.miss_without_crm(logs)
        cron = self.env.ref("crm_missed_call_textback.ir_cron_missed_call_crm")
        for remaining in (1, 0):
            # Each run of the cron's job records its progress anew, as the scheduler does.
            progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
            self.CallLog.with_context(ir_cron_progress_id=progress.id, cron_id=cron.id)._cron_crm_sync(
                auto_commit=False, limit=1, companies=self.company)
            self.assertEqual((progress.done, progress.remaining), (1, remaining))
        self.assertTrue(all(logs.mapped("crm_synced")))

    def test_one_cron_run_updates_a_batch_of_callers_as_one_at_a_time_would(self):
        customer = self.env["res.partner"].create({"name": "Dana Whitfield", "phone": "+14155550150"})
        callers = ["+14155550160", "+14155550150", "+14155550161", "+14155550160", "+14155550161"]
        logs = self.CallLog.concat(*(
            self.new_call(n, when=WEDNESDAY_10AM_NY + timedelta(minutes=n), caller=caller)
            for n, caller in enumerate(callers, start=1)))
        self.miss_without_crm(logs)
        self.run_crm_cron()
        self.assertTrue(all(logs.mapped("crm_synced")))
        by_caller = {caller: logs.filtered(lambda log, caller=caller: log.from_number == caller)
                     for caller in set(callers)}
        for caller, calls in by_caller.items():
            self.assertEqual(len(calls.partner_id), 1, f"one contact for {caller}")
            self.assertEqual(len(calls.lead_id), 1, f"one lead for {caller}")
            self.assertEqual(calls.lead_id.partner_id, calls.partner_id)
            self.assertEqual(len(calls.lead_id.activity_ids), 1, "one call-back however many calls")
            notes = calls.lead_id.message_ids.filtered(lambda message: "Missed call on" in (message.body or ""))
            self.assertEqual(len(notes), len(calls), "a note on the lead for each call")
        self.assertEqual(by_caller["+14155550150"].partner_id, customer)
        self.assertEqual(self.env["res.partner"].search_count([("phone_sanitized", "in", callers)]), 3)
        # The contact hears of every call of a known customer, and of a new caller's second call.
        self.assertEqual(len(customer.message_ids.filtered(lambda m: "Missed call on" in (m.body or ""))), 1)
        repeat = by_caller["+14155550160"].partner_id
        self.assertEqual(len(repeat.message_ids.filtered(lambda m: "Missed call on" in (m.body or ""))), 1)

    def test_a_call_that_fails_its_crm_update_does_not_hold_back_the_others(self):
        good, bad = self.new_call(1, caller="+14155550160"), self.new_call(2, caller="+14155550161")
        self.miss_without_crm(good | bad)
        Lead = type(self.env["crm.lead"])
        original_create = Lead.create

        def create_failing_for_bad(records, vals_list):
            if any(re.sub(r"\D", "", vals.get("phone") or "") == bad.from_number[1:] for vals in vals_list):
                raise RuntimeError("database hiccup")
            return original_create(records, vals_list)

        with patch.object(Lead, "create", create_failing_for_bad), \
                mute_logger("odoo.addons.crm_missed_call_textback.models.crm_call_log_crm"):
            self.run_crm_cron()
        self.assertTrue(good.crm_synced)
        self.assertTrue(good.lead_id)
        self.assertFalse(bad.crm_synced, "left for the next run")
        self.assertFalse(bad.lead_id)
        self.assertFalse(self.env["res.partner"].search_count([("phone_sanitized", "=", bad.from_number)]),
                         "nothing half-written for the failed call")
        self.run_crm_cron()
        self.assertTrue(bad.crm_synced)
        self.assertTrue(bad.lead_id)

    def test_a_batch_of_calls_searches_and_creates_contacts_leads_activities_and_alerts_once(self):
        self.line.alert_channel = "sms"
        statements = []
        execute = Cursor.execute

        def recording_execute(cr, query, params=None, log_exceptions=True):
            statements.append(" ".join(str(getattr(query, "code", query)).split()))
            return execute(cr, query, params, log_exceptions)

        def statements_to_sync(count, first):
            logs = self.CallLog.concat(*(self.new_call(first + n, caller=f"+1415201{first + n:04d}",
                                                       when=fields.Datetime.now())  # fresh: alerted
                                         for n in range(count)))
            self.miss_without_crm(logs)
            self.env.flush_all()
            statements.clear()
            # The alert texts are made in the batch; each is then sent on its own (not counted here).
            with patch.object(Cursor, "execute", recording_execute), \
                    patch.object(type(self.CallLog), "_send_alerts", lambda *args, **kwargs: None):
                self.run_crm_cron()
                self.env.flush_all()
            self.assertTrue(all(logs.mapped("crm_synced")))
            self.assertEqual(len(logs.lead_id.activity_ids), count)
            self.assertTrue(all(logs.mapped("alert_sms_uuid")))
            kinds = (re.match(r'SELECT "(res_partner|crm_lead|mail_activity)"\."id" FROM'
                              r'|INSERT INTO "?(res_partner|crm_lead|mail_activity|crm_caller|sms_sms)"? ', statement)
                     for statement in statements)
            return Counter(kind.group(0) for kind in kinds if kind)

        few, many = statements_to_sync(2, 1000), statements_to_sync(CRM_BATCH_SIZE, 2000)
        self.assertTrue(few)
        self.assertEqual(many, few, f"the same statements for {CRM_BATCH_SIZE} calls as for 2: none per call")
