from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..models.crm_call_log import MERGE_FIELDS
from ..tools.odoo_compat import GROUP_USERS_FIELD
from ..tools.sms_segments import sms_size
from .common import CALLER, TUESDAY_10PM_NY, MissedCallCommon, write_body_in_database

TYPICAL_COMPANY = "Acme Plumbing & Heating"


@tagged("post_install", "-at_install")
class TestTextbackTemplate(MissedCallCommon):

    def render(self, template, log):
        return template._render_for_call(log)

    def test_merge_fields_are_filled_from_the_call(self):
        template = self.env["crm.textback.template"].create({
            "name": "All fields",
            "body": "{{ object.caller_first_name }}|{{ object.company_id.name }}|{{ object.line_id.name }}|"
                    "{{ object.line_id.booking_url }}|{{ object.user_id.name }}|{{ object.next_opening_text }}",
        })
        partner = self.env["res.partner"].create({"name": "Jordan Avery Smith"})
        log = self.new_call(when=TUESDAY_10PM_NY)
        log.write({"partner_id": partner.id, "next_opening_text": "tomorrow at 8:00 AM"})
        self.assertEqual(
            self.render(template, log),
            "Jordan|Acme Plumbing|Main line|https://acme.example/book|Sam Seller|tomorrow at 8:00 AM")

    def test_unknown_caller_is_greeted_in_a_friendly_way(self):
        log = self.new_call()
        self.assertTrue(self.render(self.template_in_hours, log).startswith("Hi there, it's Acme Plumbing."))
        log.partner_id = self.env["res.partner"].create({"name": "+1 415-555-0123"})
        self.assertTrue(self.render(self.template_in_hours, log).startswith("Hi there,"))

    def test_caller_name_with_template_syntax_is_text_not_code(self):
        partner = self.env["res.partner"].create({"name": "{{ object.company_id.twilio_auth_token }}"})
        log = self.new_call()
        log.partner_id = partner
        body = self.render(self.template_in_hours, log)
        self.assertIn("{{", body)
        self.assertNotIn(self.company.twilio_auth_token, body)

    def test_caller_name_with_html_is_shown_as_text_in_the_chatter(self):
        partner = self.env["res.partner"].create({"name": "<img src=x onerror=alert(1)>", "phone": CALLER})
        log = self.new_call()
        self.miss(log)
        self.assertEqual(log.partner_id, partner)
        body = str(log.lead_id.message_ids[0].body)
        self.assertIn("Hi &lt;img,", body, "the text-back greets the name as written, escaped in the chatter")
        self.assertNotIn("<img", body)

    def test_shipped_templates_fit_one_gsm7_segment_with_typical_values(self):
        self.company.name = TYPICAL_COMPANY
        self.line.write({"name": "Downtown shop", "booking_url": "https://acmeplumbing.com/book"})
        partner = self.env["res.partner"].create({"name": "Alexandra Johnson"})
        log = self.new_call(when=TUESDAY_10PM_NY)
        log.write({"partner_id": partner.id, "next_opening_text": "Wednesday at 10:00 AM"})
        for xmlid in ("textback_template_in_hours", "textback_template_booking", "textback_template_after_hours"):
            template = self.env.ref(f"crm_missed_call_textback.{xmlid}")
            with self.subTest(template=template.name):
                body = self.render(template, log)
                size = sms_size(body)
                self.assertEqual(size.encoding, "GSM-7", body)
                self.assertLessEqual(size.length, 160, body)
                self.assertIn(TYPICAL_COMPANY, body, "identifies the business")
                self.assertIn("Alexandra", body)

    def test_form_shows_length_and_segments_as_the_body_grows(self):
        with Form(self.env["crm.textback.template"].with_user(self.manager)) as form:
            form.name = "Short"
            form.body = "Hi {{ object.caller_first_name }}, it's {{ object.company_id.name }}."
            # As a new caller, the usual first caller, would get it.
            self.assertEqual(form.preview, "Hi there, it's Acme Plumbing.")
            self.assertEqual((form.preview_length, form.preview_segments, form.preview_encoding),
                             (len("Hi there, it's Acme Plumbing."), 1, "GSM-7"))
            form.body = "x" * 150 + " {{ object.company_id.name }}"
            self.assertEqual(form.preview_segments, 2)
            form.body = "Thanks 🙏 {{ object.company_id.name }}"
            self.assertEqual(form.preview_encoding, "UCS-2")

    def test_preview_uses_the_company_line(self):
        template = self.env["crm.textback.template"].with_company(self.company).create({
            "name": "Booking", "body": "Book: {{ object.line_id.booking_url }}",
        })
        self.assertEqual(template.preview, "Book: https://acme.example/book")

    def test_template_authors_without_editor_rights_are_limited_to_merge_fields(self):
        Template = self.env["crm.textback.template"].with_user(self.manager)
        editor_group = self.env.ref("mail.group_mail_template_editor")
        editor_group[GROUP_USERS_FIELD] -= self.manager
        Template.create({"name": "Fine", "body": "Hi {{ object.caller_first_name }} from {{ object.company_id.name }}"})
        with self.assertRaises(UserError):
            Template.create({"name": "Leak", "body": "{{ object.company_id.sudo().twilio_auth_token }}"})
        # Odoo's own allowed expressions are not merge fields: HTML or a record would reach the text.
        for body in ("{{ object.user_id.signature }}", "{{ object.partner_id }}", "{{ object.display_name }}"):
            with self.subTest(body=body), self.assertRaises(UserError):
                Template.create({"name": "Not a merge field", "body": body})
        for expression in MERGE_FIELDS:
            with self.subTest(expression=expression):
                Template.create({"name": expression, "body": f"x {{{{ {expression} }}}}",
                                 "company_id": self.company.id})

    def test_no_author_may_use_an_expression_beyond_the_merge_fields(self):
        # Administrators and Mail Template Editors included: the text is rendered as superuser.
        self.assertTrue(self.env.user.has_group("mail.group_mail_template_editor"))
        for body in ("{{ object.user_id.signature }}", "{{ object.partner_id }}", "{{ object.line_id }}",
                     "{{ object.env['res.company'].search([]).mapped('twilio_auth_token') }}",
                     "{{ object.company_id.name.upper() }}", "{{ object.caller_first_name or object.lead_id }}"):
            with self.subTest(body=body), self.assertRaisesRegex(ValidationError, "cannot be used"):
                self.env["crm.textback.template"].create({"name": "Editor's", "body": f"Hi {body}"})
        template = self.env["crm.textback.template"].create({"name": "Spaced", "body": "{{object.company_id.name}}"})
        self.assertEqual(template.preview, "Acme Plumbing")

    def test_a_body_written_around_the_check_renders_nothing_but_merge_fields(self):
        # A body put in the database directly (an import, an older version): never rendered.
        write_body_in_database(self.template_in_hours, "{{ object.company_id.twilio_auth_token }}")
        write_body_in_database(self.template_after_hours, "{{ object.company_id.sudo().twilio_auth_token }}")
        log = self.new_call()
        with mute_logger("odoo.addons.crm_missed_call_textback.models.crm_call_log"):
            sent = self.miss(log)
        self.assertFalse(sent)
        self.assertEqual((log.status, log.textback_state), ("missed", "failed"))
        self.assertIn("not one of the merge fields", log.textback_error)
        self.assertNotIn(self.company.twilio_auth_token, log.textback_error + str(log.lead_id.message_ids.body))

    def test_a_translation_with_an_unknown_field_is_refused(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        with self.assertRaisesRegex(ValidationError, "next_openning_text"):
            self.template_in_hours.update_field_translations(
                "body", {"fr_FR": "Bonjour, nous ouvrons {{ object.next_openning_text }}"})
        self.template_in_hours.update_field_translations(
            "body", {"fr_FR": "Bonjour {{ object.caller_first_name }}, ici {{ object.company_id.name }}."})
        self.assertEqual(self.template_in_hours.with_context(lang="fr_FR").body,
                         "Bonjour {{ object.caller_first_name }}, ici {{ object.company_id.name }}.")


@tagged("post_install", "-at_install")
class TestBrokenTemplates(MissedCallCommon):
    """A typo in a template is refused when it is saved; a template that still fails on a
    real call never loses the call."""

    def test_a_template_with_an_unknown_field_is_refused_with_the_field_named(self):
        expected = r"object\.next_openning_text.*“Call Log” has no field “next_openning_text”"
        with self.assertRaisesRegex(ValidationError, expected):
            self.env["crm.textback.template"].with_user(self.manager).create({
                "name": "Typo", "body": "We open {{ object.next_openning_text }}"})
        with self.assertRaisesRegex(ValidationError, "next_openning_text"):
            self.template_in_hours.body = "Hi {{ object.caller_first_name }}, back {{ object.next_openning_text }}"

    def test_an_unclosed_merge_field_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "not closed: “{{ object.caller_first_name"):
            self.template_in_hours.body = "Hi {{ object.caller_first_name, we missed you"

    def test_the_preview_names_the_bad_field_and_counts_no_segment(self):
        with Form(self.env["crm.textback.template"].with_user(self.manager)) as form:
            form.name = "Typo"
            form.body = "We open {{ object.next_openning_text }}"
            self.assertIn("next_openning_text", form.preview_error)
            self.assertFalse(form.preview)
            self.assertEqual(form.preview_segments, 0)
            form.body = "We open {{ object.next_opening_text }}"
            self.assertFalse(form.preview_error)
            form.save()

    def test_the_merge_fields_are_listed_beside_the_editor(self):
        listed = str(self.template_in_hours.merge_fields_help)
        for expression in ("object.caller_first_name", "object.company_id.name", "object.line_id.booking_url",
                           "object.next_opening_text"):
            self.assertIn(f"{{{{ {expression} }}}}", listed)

    def break_template(self, template):
        """A body the save check would refuse, written in the database directly (an import,
        a template saved by an older version): what the check on save cannot stop."""
        write_body_in_database(template, "Book at {{ object.line_id.booking_url.upper() }}")

    def test_a_template_that_fails_on_the_call_falls_back_to_the_line_other_template(self):
        self.break_template(self.template_in_hours)
        self.line.booking_url = False
        log = self.new_call()
        sent = self.miss(log)
        self.assertEqual(len(sent), 1)
        self.assertEqual(log.textback_template_id, self.template_after_hours)
        self.assertEqual(log.textback_state, "queued")
        self.assertIn("closed", sent[0]["body"])

    def test_a_call_whose_templates_all_fail_is_still_missed_and_reaches_the_crm(self):
        self.break_template(self.template_in_hours)
        self.break_template(self.template_after_hours)
        self.line.booking_url = False
        log = self.new_call()
        with mute_logger("odoo.addons.crm_missed_call_textback.models.crm_call_log"):
            sent = self.miss(log)
        self.assertFalse(sent)
        self.assertEqual((log.status, log.textback_state), ("missed", "failed"))
        self.assertIn(f"“{self.template_in_hours.name}” could not be rendered", log.textback_error)
        self.assertTrue(log.crm_synced and log.lead_id, "the CRM work goes on")
        self.assertIn("could not be sent", str(log.lead_id.message_ids[0].body))
        self.assertTrue(log.lead_id.activity_ids, "and the salesperson is asked to call back")
        self.assertFalse(self.env["crm.textback.cooldown"].search([("number", "=", log.from_number)]),
                         "no cool-down claimed for a text never sent: the next call gets one once fixed")

    def test_retry_makes_the_text_again_once_the_template_is_fixed(self):
        self.break_template(self.template_in_hours)
        self.break_template(self.template_after_hours)
        log = self.new_call()
        with mute_logger("odoo.addons.crm_missed_call_textback.models.crm_call_log"):
            self.miss(log)
        with self.assertRaisesRegex(UserError, "could not be rendered"):
            log.with_user(self.manager).action_retry_textback()
        self.assertEqual(log.textback_state, "failed", "still broken: nothing queued")
        self.template_in_hours.body = "Hi {{ object.caller_first_name }}, {{ object.company_id.name }} here."
        log.with_user(self.manager).action_retry_textback()
        self.assertEqual((log.textback_state, log.textback_body), ("outgoing", "Hi there, Acme Plumbing here."))
        with self.mock_twilio_send() as recorder:
            self.run_retry_cron()
        self.assertEqual([text["body"] for text in recorder.sent], ["Hi there, Acme Plumbing here."])
