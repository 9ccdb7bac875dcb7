from collections import Counter
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import Form, new_test_user, tagged

from ..tools import twilio_api
from ..tools.odoo_compat import USER_GROUPS_FIELD
from .common import AUTH_TOKEN, MissedCallCommon, TwilioSendRecorder


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
        own = self.env["crm.textback.template"].with_user(self.manager).create({
            "name": "Ours", "body": "Hi", "company_id": self.company.id})
        own.write({"name": "Ours, better"})
        self.assertEqual((self.line.ring_timeout, own.name), (15, "Ours, better"))

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
                          "crm.missed.call.simulation"):
                with self.subTest(user=user.login, model=model), self.assertRaises(AccessError):
                    self.env[model].with_user(user).search([])

    def test_the_add_on_settings_have_labels_of_their_own(self):
        # Odoo warns when two fields of a model share a label: Discuss's "Account SID" is one.
        fields_ = self.env["res.config.settings"]._fields
        labels = Counter(field.string for field in fields_.values())
        for name, field in fields_.items():
            if name.startswith("missed_call_"):
                with self.subTest(field=name):
                    self.assertEqual(labels[field.string], 1, field.string)

    def test_settings_edit_the_company_credentials(self):
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company
        settings = Form(self.env["res.config.settings"].with_user(admin).with_company(self.company))
        settings.missed_call_account_sid = "AC" + "3" * 32
        settings.missed_call_auth_token = "a" * 32
        settings.save().execute()
        self.assertEqual(self.company.twilio_account_sid, "AC" + "3" * 32)
        self.assertEqual(self.company.sudo().twilio_auth_token, "a" * 32)

    def test_settings_keep_each_company_account_apart_from_discuss_twilio_servers(self):
        # Discuss keeps its own Twilio account (ICE servers for calls) in Settings, globally.
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param("mail.twilio_account_sid", "AC" + "d" * 32)
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company | self.other_company
        self.other_company.twilio_account_sid = "AC" + "e" * 32
        for company in (self.company, self.other_company):
            settings = Form(self.env["res.config.settings"].with_user(admin).with_company(company))
            self.assertEqual(settings.missed_call_account_sid, company.twilio_account_sid)
            settings.save().execute()
        self.assertEqual(ICP.get_param("mail.twilio_account_sid"), "AC" + "d" * 32)
        self.assertNotEqual(self.company.twilio_account_sid, self.other_company.twilio_account_sid)
        self.assertNotEqual(self.company.twilio_account_sid, "AC" + "d" * 32)

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


@tagged("post_install", "-at_install")
class TestCustomGroups(MissedCallCommon):

    def test_add_custom_group_offers_no_technical_field_and_no_measure(self):
        for model, hidden in (("crm.call.log", ("call_sid", "textback_sid", "crm_synced", "textback_body")),
                              ("crm.call.report", ("call_count", "missed", "text_sent", "lead_won", "revenue_won"))):
            described = self.env[model].with_user(self.manager).fields_get(attributes=["groupable"])
            with self.subTest(model=model):
                self.assertEqual([fname for fname in hidden if described[fname].get("groupable")], [])
                self.assertTrue(described["line_id"]["groupable"])


@tagged("post_install", "-at_install")
class TestOwnDocuments(MissedCallCommon):
    """As CRM's lead rules: a salesperson with "Own Documents Only" sees his calls and
    the unassigned ones, and his dashboard is his own; a manager sees them all."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.colleague = new_test_user(
            cls.env, login="mctb_colleague", groups="sales_team.group_sale_salesman",
            company_id=cls.company.id, company_ids=[(6, 0, [cls.company.id])])
        cls.colleague_line = cls.env["crm.phone.line"].create({
            "name": "Colleague's line", "number": "+14155550180", "forward_to": "+14155550181",
            "company_id": cls.company.id, "user_id": cls.colleague.id, "calendar_id": False,
        })
        cls.mine = cls.new_call(cls, 1, caller="+14155550111")
        cls.theirs = cls.new_call(cls, 2, caller="+14155550122", line=cls.colleague_line)
        cls.unassigned = cls.new_call(cls, 3, caller="+14155550133")
        cls.unassigned.user_id = False
        with TwilioSendRecorder().installed(cls.env):
            for log in cls.mine | cls.theirs | cls.unassigned:
                log._record_outcome("missed", "no-answer", 0)

    def test_an_own_documents_salesperson_sees_his_calls_and_the_unassigned_ones(self):
        logs = self.env["crm.call.log"].with_user(self.salesman).search([("company_id", "=", self.company.id)])
        self.assertEqual(logs, self.mine | self.unassigned)
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.salesman).read(["from_number"])

    def test_his_dashboard_is_his_own(self):
        kpis = self.env["crm.call.report"].with_user(self.salesman).get_missed_call_dashboard(7)["current"]
        self.assertEqual((kpis["calls"], kpis["missed"]), (2, 2))

    def test_a_manager_and_an_all_documents_salesperson_see_every_call(self):
        self.colleague[USER_GROUPS_FIELD] |= self.env.ref("sales_team.group_sale_salesman_all_leads")
        for user in (self.manager, self.colleague):
            with self.subTest(user=user.login):
                logs = self.env["crm.call.log"].with_user(user).search([("company_id", "=", self.company.id)])
                self.assertEqual(logs, self.mine | self.theirs | self.unassigned)
                kpis = self.env["crm.call.report"].with_user(user).get_missed_call_dashboard(7)["current"]
                self.assertEqual(kpis["calls"], 3)

    def test_a_call_whose_lead_went_to_a_colleague_offers_no_way_to_it(self):
        with self.mock_twilio_send():
            self.run_crm_cron()
        self.assertTrue(self.mine.lead_id)
        mine = self.mine.with_user(self.salesman)
        self.assertTrue(mine.lead_readable)
        self.assertEqual(mine.action_open_lead()["res_id"], self.mine.lead_id.id)
        self.mine.lead_id.user_id = self.colleague
        mine.invalidate_recordset(["lead_readable"])
        self.assertFalse(mine.lead_readable, "the form shows the lead's name without a link")
        with self.assertRaises(AccessError):
            mine.action_open_lead()

    def test_a_call_to_a_lead_of_a_colleague_is_his_to_call_back(self):
        # The caller's open lead is the colleague's: the call-back activity and the pop-up go
        # to him, and so does the call, whose buttons he can then use.
        self.env["crm.lead"].create({"name": "Earlier enquiry", "phone": self.mine.from_number,
                                     "user_id": self.colleague.id, "company_id": self.company.id})
        with self.mock_twilio_send():
            self.run_crm_cron()
        self.assertEqual(self.mine.lead_id.user_id, self.colleague)
        self.assertEqual(self.mine.user_id, self.colleague)
        mine = self.mine.with_user(self.colleague)
        self.assertTrue(mine.lead_readable)
        self.assertEqual(mine.action_open_lead()["res_id"], self.mine.lead_id.id)
        self.assertEqual(self.mine.with_user(self.salesman).search([("id", "=", self.mine.id)]).ids, [])

    def test_texts_received_follow_the_lead_rules(self):
        Reply = self.env["crm.textback.reply"]
        with self.mock_twilio_send():
            self.run_crm_cron()
        for n, log in enumerate((self.mine, self.theirs), start=1):
            Reply._twilio_incoming_sms(self.company, {
                "MessageSid": f"SM{900 + n:032x}", "From": log.from_number, "To": log.line_id.number, "Body": "Hi"})
        seen = Reply.with_user(self.salesman).search([("company_id", "=", self.company.id)])
        self.assertEqual(seen.lead_id, self.mine.lead_id)


@tagged("post_install", "-at_install")
class TestServerSideAccess(MissedCallCommon):
    """The view is not the wall: every public method checks its group on the server, and
    no record of one company may point at another's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.line.twilio_number_sid = "PN" + "1" * 32
        cls.other_company = cls.env["res.company"].create({"name": "Other Co", "country_id": cls.us.id})
        cls.other_template = cls.env["crm.textback.template"].create({
            "name": "Theirs", "body": "Hi from Other Co", "company_id": cls.other_company.id})

    def test_sales_users_cannot_call_the_manager_line_buttons_over_rpc(self):
        line = self.line.with_user(self.salesman)
        with patch.object(twilio_api.TwilioApi, "configure_number") as configure, \
                patch.object(twilio_api.TwilioApi, "clear_number") as clear, self.mock_twilio_send() as sent:
            for method in ("action_send_test_text", "action_disconnect_webhooks", "action_connect_webhooks",
                           "action_simulate_missed_call"):
                with self.subTest(method=method), self.assertRaises(AccessError):
                    getattr(line, method)()
        self.assertFalse(configure.called or clear.called or sent.sent, "nothing reached Twilio")

    def test_nobody_rewrites_a_call_log_over_rpc(self):
        log = self.new_call()
        other_user = new_test_user(self.env, login="mctb_other_seller", groups="sales_team.group_sale_manager",
                                   company_id=self.other_company.id, company_ids=self.other_company.ids)
        other_line = self.env["crm.phone.line"].create({
            "name": "Theirs", "number": "+14155550170", "forward_to": "+14155550171",
            "company_id": self.other_company.id, "user_id": other_user.id})
        for values in ({"line_id": other_line.id}, {"textback_body": "Call us now"}, {"from_number": "+15555550000"},
                       {"textback_state": "outgoing"}):
            with self.subTest(values=values), self.assertRaises(AccessError):
                log.with_user(self.manager).write(values)
        self.assertEqual(log.line_id, self.line)

    def test_a_line_never_takes_another_company_template(self):
        with self.assertRaises(UserError):
            self.line.with_user(self.manager).template_id = self.other_template

    def test_a_template_on_a_line_never_moves_to_another_company(self):
        own = self.env["crm.textback.template"].create({
            "name": "Ours", "body": "Hi from Acme", "company_id": self.company.id})
        self.line.template_id = own
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company | self.other_company
        with self.assertRaisesRegex(ValidationError, "Main line"):
            own.with_user(admin).write({"company_id": self.other_company.id})
        self.env.cr.clear()  # what the refused write left in the cache (a request rolls it all back)
        self.assertEqual(own.company_id, self.company)

    def test_a_company_texts_only_from_its_own_default_line(self):
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company | self.other_company
        other_line = self.env["crm.phone.line"].create({
            "name": "Theirs", "number": "+14155550170", "forward_to": "+14155550171",
            "company_id": self.other_company.id, "user_id": admin.id})
        with self.assertRaisesRegex(ValidationError, "Theirs"):
            self.company.with_user(admin).missed_call_default_line_id = other_line

    def test_a_single_company_manager_shares_no_template_and_copies_for_his_company(self):
        Template = self.env["crm.textback.template"].with_user(self.manager)
        self.assertEqual(Template.create({"name": "Ours", "body": "Hi"}).company_id, self.company)
        with self.assertRaisesRegex(AccessError, "shared by all companies"):
            Template.create({"name": "For everybody", "body": "Hi", "company_id": False})
        copy = self.template_in_hours.with_user(self.manager).copy()
        self.assertEqual(copy.company_id, self.company)

    def test_a_shared_template_is_changed_only_by_users_of_every_company(self):
        shared = self.template_in_hours
        with self.assertRaisesRegex(AccessError, "shared by all companies"):
            shared.with_user(self.manager).write({"body": "Changed for everybody"})
        with self.assertRaises(AccessError):
            shared.with_user(self.manager).update_field_translations("body", {"fr_FR": "Changé pour tous"})
        with self.assertRaises(AccessError):
            shared.with_user(self.manager).unlink()
        own = self.env["crm.textback.template"].with_user(self.manager).create({
            "name": "Ours", "body": "Hi {{ object.caller_first_name }}", "company_id": self.company.id})
        with self.assertRaises(AccessError):
            own.write({"company_id": False})  # sharing it would change nobody else's, but is theirs to decide
        own.write({"body": "Hello {{ object.caller_first_name }}"})
        everywhere = new_test_user(
            self.env, login="mctb_everywhere", groups="sales_team.group_sale_manager",
            company_id=self.company.id, company_ids=[(6, 0, self.env["res.company"].search([]).ids)])
        shared.with_user(everywhere).write({"name": "Sorry we missed you (all companies)"})
        self.assertEqual(shared.name, "Sorry we missed you (all companies)")
