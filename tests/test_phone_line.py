from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import (
    FRIDAY_6PM_NY,
    TUESDAY_10PM_NY,
    WEDNESDAY_10AM_NY,
    WEDNESDAY_12_30PM_NY,
    MissedCallCommon,
    scenario,
)


@tagged("post_install", "-at_install")
class TestPhoneLine(MissedCallCommon):

    def test_a_new_line_form_opens_without_a_warning(self):
        # Its call counts and last call are of a line with no id yet: no domain takes it.
        with self.assertNoLogs(level="WARNING"):
            form = Form(self.env["crm.phone.line"].with_user(self.manager))
        self.assertEqual(form.call_count, 0)

    def test_numbers_are_shown_as_people_read_them(self):
        self.assertEqual((self.line.number_formatted, self.line.forward_to_formatted),
                         ("+1 415-555-0100", "+1 415-555-0199"))

    def test_numbers_are_stored_in_e164_whatever_the_input_format(self):
        line = self.env["crm.phone.line"].create({
            "name": "Shop", "number": "(415) 555-0142", "forward_to": "415.555.0143",
            "company_id": self.company.id,
        })
        self.assertEqual((line.number, line.forward_to), ("+14155550142", "+14155550143"))
        line.forward_to = "+44 20 7183 8750"
        self.assertEqual(line.forward_to, "+442071838750")

    def test_an_invalid_number_is_refused_with_a_clear_message(self):
        with self.assertRaisesRegex(ValidationError, "not a valid phone number"):
            self.env["crm.phone.line"].create({
                "name": "Bad", "number": "12", "forward_to": "+14155550143", "company_id": self.company.id,
            })
        with self.assertRaisesRegex(ValidationError, "Forward To 'call me' is not a valid"):
            self.line.forward_to = "call me"

    def test_salesperson_must_work_for_the_line_company(self):
        outsider = self.env["res.users"].create({
            "name": "Outsider", "login": "mctb_outsider", "company_id": self.env.ref("base.main_company").id,
            "company_ids": [(6, 0, self.env.ref("base.main_company").ids)],
        })
        # Odoo's own company check (worded "Incompatible companies" in 18, "company inconsistencies" in 19).
        with self.assertRaisesRegex(UserError, "Incompatible companies|company inconsistencies"):
            self.line.user_id = outsider

    def test_ring_timeout_must_stay_below_voicemail(self):
        with self.assertRaisesRegex(ValidationError, "between 5 and 60 seconds"):
            self.line.ring_timeout = 90
        with self.assertRaises(ValidationError):
            self.line.ring_timeout = 0

    def test_the_same_number_cannot_be_connected_twice_in_a_company(self):
        with self.assertRaises(IntegrityError), self.cr.savepoint(), mute_logger("odoo.sql_db"):
            self.env["crm.phone.line"].create({
                "name": "Dup", "number": "+1 415 555 0100", "forward_to": "+14155550143",
                "company_id": self.company.id,
            })

    def test_business_hours_are_read_in_the_calendar_timezone(self):
        self.assertTrue(self.line._is_open_at(WEDNESDAY_10AM_NY))
        self.assertFalse(self.line._is_open_at(WEDNESDAY_12_30PM_NY))
        self.assertFalse(self.line._is_open_at(TUESDAY_10PM_NY))
        # 7:59 and 8:00 in New York on a Wednesday.
        self.assertFalse(self.line._is_open_at(scenario(2026, 11, 25, 12, 59)))
        self.assertTrue(self.line._is_open_at(scenario(2026, 11, 25, 13, 0)))

    def test_a_public_holiday_is_closed(self):
        self.env["resource.calendar.leaves"].create({
            "name": "Thanksgiving", "calendar_id": self.calendar.id,
            "date_from": scenario(2026, 11, 26, 5, 0), "date_to": scenario(2026, 11, 27, 4, 59),
        })
        thursday_10am = scenario(2026, 11, 26, 15, 0)
        self.assertFalse(self.line._is_open_at(thursday_10am))
        self.assertEqual(self.line._next_opening_in_words(TUESDAY_10PM_NY, "en_US"), "tomorrow at 8:00 AM")
        wednesday_6pm = scenario(2026, 11, 25, 23, 0)
        self.assertEqual(self.line._next_opening_in_words(wednesday_6pm, "en_US"), "Friday at 8:00 AM")

    def test_next_opening_in_words(self):
        words = self.line._next_opening_in_words
        self.assertEqual(words(TUESDAY_10PM_NY, "en_US"), "tomorrow at 8:00 AM")
        self.assertEqual(words(WEDNESDAY_12_30PM_NY, "en_US"), "today at 1:00 PM")
        self.assertEqual(words(FRIDAY_6PM_NY, "en_US"), "Monday at 8:00 AM")
        # Saturday 1:30 New York time is still Saturday there, though Saturday 6:30 in UTC.
        self.assertEqual(words(scenario(2026, 11, 28, 6, 30), "en_US"), "Monday at 8:00 AM")
        # Sunday 23:30 in New York is Monday 4:30 UTC: Monday 8:00 is still "tomorrow" there.
        self.assertEqual(words(scenario(2026, 11, 30, 4, 30), "en_US"), "tomorrow at 8:00 AM")

    def test_line_without_calendar_is_always_open(self):
        self.line.calendar_id = False
        self.assertTrue(self.line._is_open_at(TUESDAY_10PM_NY))

    def test_webhook_urls_are_shown_for_the_twilio_console(self):
        base_url = self.line.get_base_url()
        self.assertEqual(self.line.voice_webhook_url, f"{base_url}/missed_call/twilio/voice")
        self.assertEqual(self.line.call_status_webhook_url, f"{base_url}/missed_call/twilio/call_status")
        self.assertEqual(self.line.sms_webhook_url, f"{base_url}/missed_call/twilio/sms")

    def test_invalid_account_sid_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "Account SID"):
            self.company.twilio_account_sid = "not-a-sid"


@tagged("post_install", "-at_install")
class TestTableConstraints(MissedCallCommon):

    def test_every_uniqueness_rule_is_a_database_constraint(self):
        # Odoo 19 ignores _sql_constraints with a mere warning: the webhooks' upserts and
        # their exactly-once guarantees rely on these constraints being really there.
        expected = {
            "crm_call_log_call_sid_uniq", "crm_caller_company_number_uniq", "crm_phone_line_number_company_uniq",
            "crm_phone_lookup_number_uniq", "crm_sms_unreachable_number_uniq",
            "crm_textback_cooldown_line_number_uniq", "crm_textback_reply_message_sid_uniq",
        }
        self.env.cr.execute("SELECT conname FROM pg_constraint WHERE contype = 'u' AND conname = ANY(%s)",
                            [list(expected)])
        self.assertEqual({name for (name,) in self.env.cr.fetchall()}, expected)
        first = self.new_call(1)
        with self.assertRaises(IntegrityError), self.cr.savepoint(), mute_logger("odoo.sql_db"):
            self.new_call(1, line=first.line_id)
