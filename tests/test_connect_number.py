"""Connecting a Twilio number from Odoo, against the Twilio API stand-in (every
request the wizard makes validated against Twilio's OpenAPI description), or the
fake of the same requests when the stand-in is not running."""
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..tools import twilio_api
from .common import ACCOUNT_SID, OTHER_ACCOUNT_SID, OTHER_AUTH_TOKEN, MissedCallCommon, TwilioApiMixin
from .test_twilio_api import FailingTwilio, ThreadingHTTPServer, threading


@tagged("post_install", "-at_install")
class TestConnectNumber(TwilioApiMixin, MissedCallCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("web.base.url", "https://calls.acme.example")
        cls.Wizard = cls.env["crm.phone.line.connect"].with_user(cls.manager)

    def record_requests(self):
        """Spy on the HTTP requests the twilio client sends (they still reach the stand-in or the fake)."""
        return patch.object(twilio_api.OdooTwilioHttpClient, "request", autospec=True,
                            side_effect=twilio_api.OdooTwilioHttpClient.request)

    @staticmethod
    def form_of(call):
        data = call.kwargs.get("data") or (call.args[4] if len(call.args) > 4 else {})
        return dict(data or {})

    def test_valid_credentials_show_the_account_and_its_numbers(self):
        wizard = self.Wizard.create({})
        self.assertFalse(wizard.credentials_error)
        self.assertTrue(wizard.account_name)
        self.assertTrue(wizard.owned_number_ids)
        self.assertTrue(all(number.phone_number.startswith("+") for number in wizard.owned_number_ids))

    def test_invalid_credentials_are_explained(self):
        server = ThreadingHTTPServer(("127.0.0.1", 0), FailingTwilio)
        server.replies = [(401, {}, {"code": 20003, "message": "Authenticate", "status": 401})]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        self.env["ir.config_parameter"].set_param(
            "crm_missed_call_textback.twilio_api_base_url", f"http://127.0.0.1:{server.server_port}")
        wizard = self.Wizard.create({})
        self.assertIn("refused the Account SID and Auth Token", wizard.credentials_error)
        with self.assertRaises(UserError):
            wizard.action_connect()

    def test_missing_credentials_are_explained(self):
        self.company.twilio_auth_token = False
        wizard = self.Wizard.create({})
        self.assertIn("not configured", wizard.credentials_error)

    def test_connecting_an_account_number_points_its_webhooks_at_odoo(self):
        wizard = self.Wizard.create({"forward_to": "+14155550199", "name": "Shop"})
        chosen = wizard.owned_number_ids[0]
        chosen.selected = True
        with self.record_requests() as requests_sent:
            action = wizard.action_connect()
        update = [call for call in requests_sent.call_args_list if call.args[1] == "POST"]
        self.assertEqual(len(update), 1)
        self.assertIn(f"/IncomingPhoneNumbers/{chosen.sid}.json", update[0].args[2])
        self.assertEqual(self.form_of(update[0]), {
            "VoiceUrl": "https://calls.acme.example/missed_call/twilio/voice", "VoiceMethod": "POST",
            "StatusCallback": "https://calls.acme.example/missed_call/twilio/call_status",
            "StatusCallbackMethod": "POST",
            "SmsUrl": "https://calls.acme.example/missed_call/twilio/sms", "SmsMethod": "POST",
        })
        line = self.env["crm.phone.line"].browse(action["res_id"])
        self.assertEqual((line.number, line.forward_to, line.name), (chosen.phone_number, "+14155550199", "Shop"))
        self.assertRegex(line.twilio_number_sid, r"^PN[0-9a-f]{32}$")

    def test_searching_and_buying_a_local_number_needs_a_confirmation(self):
        wizard = self.Wizard.create({"mode": "buy", "country_id": self.us.id, "area_code": "415",
                                     "forward_to": "+14155550199"})
        with self.record_requests() as requests_sent:
            wizard.action_search()
        search = requests_sent.call_args_list[0]
        self.assertIn("/AvailablePhoneNumbers/US/Local.json", search.args[2])
        self.assertEqual(search.kwargs["params"]["AreaCode"], 415)
        self.assertTrue(wizard.available_number_ids)
        wizard.available_number_ids[0].selected = True
        with self.assertRaisesRegex(UserError, "costs money"):
            wizard.action_connect()
        wizard.confirm_purchase = True
        with self.record_requests() as requests_sent:
            action = wizard.action_connect()
        buy = requests_sent.call_args_list[0]
        self.assertTrue(buy.args[2].endswith("/IncomingPhoneNumbers.json"))
        self.assertEqual(self.form_of(buy)["PhoneNumber"], wizard.available_number_ids[0].phone_number)
        self.assertEqual(self.form_of(buy)["VoiceUrl"], "https://calls.acme.example/missed_call/twilio/voice")
        self.assertTrue(self.env["crm.phone.line"].browse(action["res_id"]).twilio_number_sid)

    def test_bad_search_input_gets_a_clear_error(self):
        wizard = self.Wizard.create({"mode": "buy", "country_id": self.us.id, "area_code": "4l5"})
        with self.assertRaisesRegex(UserError, "digits only"):
            wizard.action_search()

    def test_porting_is_explained_not_attempted(self):
        wizard = self.Wizard.create({"mode": "port"})
        with self.assertRaisesRegex(UserError, "Porting"):
            wizard.action_connect()

    def test_disconnecting_clears_the_number_webhooks(self):
        self.line.twilio_number_sid = "PN" + "1" * 32
        with self.record_requests() as requests_sent:
            self.line.with_user(self.manager).action_disconnect_webhooks()
        self.assertEqual(self.form_of(requests_sent.call_args_list[0]), {
            "VoiceUrl": "https://demo.twilio.com/welcome/voice/", "VoiceMethod": "POST",
            "SmsUrl": "https://demo.twilio.com/welcome/sms/reply/", "SmsMethod": "POST"})

    def test_send_test_text_goes_to_the_line_phone(self):
        with self.record_requests() as requests_sent:
            self.line.with_user(self.manager).action_send_test_text()
        sent = self.form_of(requests_sent.call_args_list[0])
        self.assertEqual((sent["To"], sent["From"]), (self.line.forward_to, self.line.number))

    def test_a2p_messaging_service_sends_the_text_backs(self):
        self.assertTrue(self.line.a2p_warning)
        self.line.messaging_service_sid = "MG" + "2" * 32
        self.assertFalse(self.line.a2p_warning)
        with self.record_requests() as requests_sent:
            self.line.with_user(self.manager).action_send_test_text()
        sent = self.form_of(requests_sent.call_args_list[0])
        self.assertEqual(sent["MessagingServiceSid"], "MG" + "2" * 32)
        self.assertNotIn("From", sent)
        self.assertIn("A2P 10DLC", self.env["crm.sms.unreachable"]._describe_error(30034))

    def test_a_plain_http_base_url_is_warned_about(self):
        self.env["ir.config_parameter"].set_param("web.base.url", "http://localhost:8069")
        self.assertIn("https", self.Wizard.create({}).base_url_warning)
        self.line.invalidate_recordset()
        self.assertIn("https", self.line.webhook_url_warning)

    def test_each_company_uses_its_own_twilio_account(self):
        other = self.env["res.company"].create({
            "name": "Other Co", "twilio_account_sid": OTHER_ACCOUNT_SID, "twilio_auth_token": OTHER_AUTH_TOKEN})
        self.manager.company_ids |= other
        with self.record_requests() as requests_sent:
            self.Wizard.with_company(other).create({"company_id": other.id})
        self.assertTrue(all(f"/Accounts/{OTHER_ACCOUNT_SID}" in call.args[2] for call in requests_sent.call_args_list))
        self.assertTrue(all(call.kwargs["auth"][0] == OTHER_ACCOUNT_SID for call in requests_sent.call_args_list))
        with self.record_requests() as requests_sent:
            self.Wizard.create({})
        self.assertTrue(all(f"/Accounts/{ACCOUNT_SID}" in call.args[2] for call in requests_sent.call_args_list))

    def test_archiving_a_connected_line_offers_to_disconnect_it(self):
        self.line.twilio_number_sid = "PN" + "1" * 32
        line = self.line.with_user(self.manager)
        action = line.action_archive()
        self.assertEqual(action["res_model"], "crm.phone.line.archive")
        self.assertTrue(self.line.active, "nothing archived before the answer")
        wizard = self.env["crm.phone.line.archive"].with_user(self.manager).browse(action["res_id"])
        with self.record_requests() as requests_sent:
            wizard.action_archive_and_disconnect()
        self.assertFalse(self.line.active)
        self.assertIn("VoiceUrl", self.form_of(requests_sent.call_args_list[0]))

    def test_archiving_a_line_made_by_hand_just_archives(self):
        self.assertFalse(self.line.with_user(self.manager).action_archive())
        self.assertFalse(self.line.active)

    def test_the_wizard_warns_about_a2p_for_a_us_number(self):
        wizard = self.Wizard.create({})
        self.assertFalse(wizard.a2p_warning)
        wizard.owned_number_ids.filtered(lambda number: number.phone_number.startswith("+1"))[:1].selected = True
        self.assertIn("A2P 10DLC", wizard.a2p_warning)

    def test_a_number_already_connected_changes_nothing_at_twilio(self):
        wizard = self.Wizard.create({"forward_to": "+14155550199"})
        chosen = wizard.owned_number_ids[0]
        self.line.number = chosen.phone_number
        chosen.selected = True
        with self.record_requests() as requests_sent, self.assertRaisesRegex(UserError, "already connected"):
            wizard.action_connect()
        self.assertFalse([call for call in requests_sent.call_args_list if call.args[1] == "POST"])

    def test_a_line_odoo_refuses_buys_no_number(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        outsider = new_test_user(self.env, login="mctb_outsider", groups="sales_team.group_sale_salesman",
                                 company_id=other.id, company_ids=[(6, 0, other.ids)])
        wizard = self.Wizard.create({"mode": "buy", "country_id": self.us.id, "area_code": "415",
                                     "forward_to": "+14155550199", "confirm_purchase": True})
        wizard.action_search()
        wizard.available_number_ids[0].selected = True
        wizard.user_id = outsider  # a salesperson of another company: the line is refused
        with self.record_requests() as requests_sent, self.assertRaises(UserError):
            wizard.action_connect()
        self.assertFalse([call for call in requests_sent.call_args_list if call.args[1] == "POST"],
                         "nothing bought")

    def test_a_company_the_manager_is_not_allowed_in_is_never_used(self):
        other = self.env["res.company"].create({
            "name": "Other Co", "twilio_account_sid": OTHER_ACCOUNT_SID, "twilio_auth_token": OTHER_AUTH_TOKEN})
        with self.record_requests() as requests_sent:
            with self.assertRaises(AccessError):
                self.Wizard.with_context(default_company_id=other.id).create({})
            with self.assertRaises(AccessError):
                self.Wizard.create({"company_id": other.id, "mode": "buy", "country_id": self.us.id})
        self.assertFalse([call for call in requests_sent.call_args_list if call.kwargs["auth"][0] == OTHER_ACCOUNT_SID],
                         "nothing asked of the other company's Twilio account")

    def test_salespeople_cannot_open_the_wizard(self):
        with self.assertRaises(AccessError):
            self.env["crm.phone.line.connect"].with_user(self.salesman).default_get(["owned_number_ids"])
