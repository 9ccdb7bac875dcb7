from odoo.exceptions import AccessError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import Form, new_test_user, tagged

from ..tools.odoo_compat import USER_GROUPS_FIELD
from .common import AUTH_TOKEN, MissedCallCommon


@tagged("post_install", "-at_install")
class TestAccess(MissedCallCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Co", "country_id": cls.us.id})
        other_user = new_test_user(
            cls.env, login="mctb_other", groups="sales_team.group_sale_manager",
            company_id=cls.other_company.id, company_ids=[(6, 0, cls.other_company.ids)])
        cls.other_line = cls.env["crm.phone.line"].create({
            "name": "Other line", "number": "+14155550170", "forward_to": "+14155550171",
            "company_id": cls.other_company.id, "user_id": other_user.id,
        })
        cls.log = cls.new_call(cls, 1)
        cls.other_log = cls.new_call(cls, 2, line=cls.other_line)
        cls.portal = new_test_user(cls.env, login="mctb_portal", groups="base.group_portal")

    def test_salesman_reads_the_calls_of_his_company_only(self):
        logs = self.env["crm.call.log"].with_user(self.salesman).search([])
        self.assertEqual(logs, self.log)
        with self.assertRaises(AccessError):
            self.other_log.with_user(self.salesman).read(["from_number"])

    def test_salesman_cannot_change_lines_templates_or_calls(self):
        with self.assertRaises(AccessError):
            self.line.with_user(self.salesman).write({"ring_timeout": 15})
        with self.assertRaises(AccessError):
            self.template_in_hours.with_user(self.salesman).write({"body": "Hi"})
        with self.assertRaises(AccessError):
            self.log.with_user(self.salesman).write({"status": "answered"})

    def test_manager_configures_lines_and_templates(self):
        self.line.with_user(self.manager).write({"ring_timeout": 15})
        self.template_in_hours.with_user(self.manager).write({"name": "Ours"})
        self.assertEqual(self.line.ring_timeout, 15)

    def test_portal_user_reads_nothing(self):
        for record in (self.log, self.line, self.template_in_hours):
            with self.subTest(model=record._name), self.assertRaises(AccessError):
                record.with_user(self.portal).read(["display_name"])

    def test_only_settings_administrators_read_the_auth_token(self):
        for user in (self.salesman, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.company.with_user(user).read(["twilio_auth_token"])
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company
        self.assertTrue(self.company.with_user(admin).read(["twilio_auth_token"])[0]["twilio_auth_token"])

    def test_sales_users_cannot_get_the_auth_token_through_rpc_or_export(self):
        export_group = self.env.ref("base.group_allow_export")
        for user in (self.salesman, self.manager):
            user[USER_GROUPS_FIELD] |= export_group  # even users allowed to export
            company = self.company.with_user(user)
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    company.search_read([("id", "=", self.company.id)], ["twilio_auth_token"])
                with self.assertRaises(AccessError):
                    company.export_data(["twilio_auth_token"])
                with self.assertRaises(AccessError):
                    company.web_read({"twilio_auth_token": {}})
                self.assertNotIn("twilio_auth_token", company.fields_get())
                everything = {}
                for fname in company.fields_get():  # each field this user may read
                    try:
                        everything.update(company.read([fname])[0])
                    except AccessError:  # one he may not (Twilio SMS's numbers, on Odoo 19)
                        continue
                self.assertNotIn("twilio_auth_token", everything)
                self.assertNotIn(AUTH_TOKEN, str(everything))

    def test_portal_and_public_users_search_nothing(self):
        public = self.env.ref("base.public_user")
        for user in (self.portal, public):
            for model in ("crm.call.log", "crm.phone.line", "crm.textback.template", "crm.caller",
                          "crm.textback.cooldown", "crm.sms.unreachable", "crm.phone.lookup",
                          "crm.textback.early.status", "crm.missed.call.simulation"):
                with self.subTest(user=user.login, model=model), self.assertRaises(AccessError):
                    self.env[model].with_user(user).search([])

    def test_settings_edit_the_company_credentials(self):
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company
        settings = Form(self.env["res.config.settings"].with_user(admin).with_company(self.company))
        settings.twilio_account_sid = "AC" + "3" * 32
        settings.twilio_auth_token = "a" * 32
        settings.save().execute()
        self.assertEqual(self.company.twilio_account_sid, "AC" + "3" * 32)
        self.assertEqual(self.company.sudo().twilio_auth_token, "a" * 32)

    def test_neutralized_database_forgets_the_twilio_credentials(self):
        # What `odoo-bin neutralize` runs: each installed module's data/neutralize.sql.
        for query in get_neutralization_queries(["crm_missed_call_textback"]):
            self.env.cr.execute(query)
        self.company.invalidate_recordset()
        self.assertFalse(self.company.twilio_account_sid)
        self.assertFalse(self.company.sudo().twilio_auth_token)


@tagged("post_install", "-at_install")
class TestViews(MissedCallCommon):

    def test_call_log_line_template_and_lead_views_open(self):
        for model in ("crm.call.log", "crm.phone.line", "crm.textback.template"):
            views = self.env[model].with_user(self.manager).get_views([(False, "list"), (False, "form"),
                                                                       (False, "search")])
            self.assertEqual(set(views["views"]), {"list", "form", "search"})
        report = self.env["crm.call.report"].with_user(self.salesman).get_views(
            [(False, "pivot"), (False, "graph"), (False, "search")])
        self.assertEqual(set(report["views"]), {"pivot", "graph", "search"})
        lead_form = self.env["crm.lead"].with_user(self.salesman).get_views([(False, "form")])
        self.assertIn("action_view_call_logs", lead_form["views"]["form"]["arch"])

    def test_lead_smart_button_opens_its_calls(self):
        self.miss(self.new_call(5))
        lead = self.env["crm.call.log"].search([("call_sid", "=", f"CA{5:032x}")]).lead_id
        action = lead.action_view_call_logs()
        self.assertEqual(self.env["crm.call.log"].search(action["domain"]).lead_id, lead)
