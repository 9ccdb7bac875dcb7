"""What people do in a real browser: Odoo tours run by HttpCase in headless Chromium."""
import os
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tests.common import ChromeBrowser
from odoo.tools import mute_logger

from .common import CALL_LOG_LOGGER, CALLER, call_sid, write_body_in_database
from .test_webhooks import TwilioWebhookCase

# The browser's clock, moved as the test's is (tests/common.py, SuiteClock): what the web
# client computes from "now" (a filter's "5 minutes ago", a dashboard's period) is then
# what the server computes. %d: milliseconds to add to the real time.
BROWSER_CLOCK = """(() => {
    const offset = %d;
    const RealDate = Date;
    class TestClockDate extends RealDate {
        constructor(...args) {
            if (args.length) { super(...args); } else { super(RealDate.now() + offset); }
        }
        static now() { return RealDate.now() + offset; }
    }
    window.Date = TestClockDate;
})();"""


class TourCase(TwilioWebhookCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.company_id = cls.company
        # Without demo data Odoo starts its own onboarding tours for the administrator (as
        # Odoo's own CRM tours do, they are switched off: they run beside ours and warn).
        if "tour_enabled" in cls.admin._fields:
            cls.admin.tour_enabled = False

    def start_tour(self, url_path, tour_name, step_delay=None, **kwargs):
        """A tour in a browser whose clock reads the test's."""
        script = BROWSER_CLOCK % round(self.clock_offset() * 1000)
        navigate_to = ChromeBrowser.navigate_to

        def navigate_with_the_test_clock(browser, url, wait_stop=False):
            browser._websocket_request("Page.addScriptToEvaluateOnNewDocument", params={"source": script})
            return navigate_to(browser, url, wait_stop)

        with patch.object(ChromeBrowser, "navigate_to", navigate_with_the_test_clock):
            return super().start_tour(url_path, tour_name, step_delay=step_delay, **kwargs)

    def missed_call(self, n=1, caller=CALLER, line=None):
        """A call that rang and was not answered, through the signed webhooks, with its CRM update."""
        line = line or self.line
        self.incoming_call(n, caller=caller, to=line.number)
        self.dial_status(n, status="no-answer", to=line.number)
        self.run_crm_cron()
        return self.CallLog.search([("call_sid", "=", call_sid(n))])


@tagged("post_install", "-at_install")
class TestMissedCallTour(TourCase):

    def test_main_path_from_the_call_log_a_call_back_the_lead_the_dashboard_and_a_template(self):
        log = self.missed_call()
        self.assertTrue(log.lead_id, "the tour follows the call to its lead")
        self.admin.missed_call_phone = "+14155550142"
        with self.spy_requests() as requests_sent:
            self.start_tour("/odoo", "crm_missed_call_textback_main_path", login="admin", timeout=180)
        placed = [dict(call.kwargs["data"]) for call in requests_sent.call_args_list
                  if call.args[2].endswith("/Calls.json")]
        self.assertEqual([(call["To"], call["From"]) for call in placed], [("+14155550142", self.line.number)],
                         "Call Back rang the salesperson's phone once, from the line")
        self.assertEqual((log.callback_ids.direction, log.callback_ids.callback_user_id), ("outbound", self.admin))
        template = self.env.ref("crm_missed_call_textback.textback_template_in_hours")
        self.assertEqual(template.preview_segments, 1, "the tour discarded its edit")

    def test_connect_wizard_connects_an_account_number_and_buys_one(self):
        self.env["ir.config_parameter"].set_param("web.base.url", self.base_url())
        self.start_tour("/odoo", "crm_missed_call_textback_connect_wizard", login="admin", timeout=180)
        lines = self.env["crm.phone.line"].search([("company_id", "=", self.company.id)])
        self.assertEqual({(line.name, line.number) for line in lines - self.line},
                         {("Shop line", "+18089255327"), ("Bought line", "+18089251571")})
        self.assertTrue(all(line.twilio_number_sid and line.forward_to == "+14155550199" for line in lines - self.line))

    def test_a_template_typo_is_refused_and_a_failing_template_loses_no_call(self):
        template = self.env["crm.textback.template"].create({
            "name": "Booking", "body": "Book at {{ object.line_id.booking_url }}", "company_id": self.company.id})
        write_body_in_database(template, "Book at {{ object.line_id.booking_url.upper() }}")
        self.line.write({"template_id": template.id, "after_hours_template_id": False, "booking_url": False})
        with self.assertLogs(CALL_LOG_LOGGER, "WARNING"):  # not rendered: it says why
            log = self.missed_call(caller="+14155550188")
        self.assertEqual((log.status, log.textback_state), ("missed", "failed"))
        # The typo the tour saves is refused: Odoo logs the user's error as it shows it.
        with mute_logger("odoo.http"):
            self.start_tour("/odoo", "crm_missed_call_textback_broken_template", login="admin", timeout=180)
        body = self.env.ref("crm_missed_call_textback.textback_template_in_hours").body
        self.assertNotIn("next_openning_text", body)

    def test_the_dashboard_trend_and_a_heat_map_cell_open_their_calls(self):
        self.line.calendar_id = self.env["resource.calendar"].create({
            "name": "New York hours", "tz": "America/New_York", "company_id": self.company.id})
        self.missed_call()
        self.start_tour("/odoo", "crm_missed_call_textback_dashboard_heat_map", login="admin", timeout=180)


@tagged("post_install", "-at_install")
class TestSalespersonTour(TourCase):

    def test_an_own_documents_salesperson_sees_his_calls_lead_and_dashboard_without_errors(self):
        salesman = new_test_user(
            self.env, login="mctb_tour_salesman", password="mctb_tour_salesman",
            groups="sales_team.group_sale_salesman", company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)])
        colleague = new_test_user(
            self.env, login="mctb_tour_colleague", groups="sales_team.group_sale_salesman",
            company_id=self.company.id, company_ids=[(6, 0, self.company.ids)])
        self.line.user_id = salesman
        colleague_line = self.line.copy({"name": "Colleague's line", "number": "+14155550180", "user_id": colleague.id})
        self.missed_call(1, caller="+14155550111")
        self.missed_call(2, caller="+14155550122", line=colleague_line)
        self.start_tour("/odoo", "crm_missed_call_textback_salesperson", login="mctb_tour_salesman", timeout=180)


@tagged("post_install", "-at_install")
class TestOverdueFilterTour(TourCase):

    def test_call_back_overdue_is_right_in_a_browser_west_of_utc(self):
        now = fields.Datetime.now()
        calls = {}
        for n, minutes in ((1, 6), (2, 2), (3, 10), (4, 12)):
            calls[minutes] = self.CallLog.create({
                "call_sid": call_sid(n), "line_id": self.line.id, "from_number": f"+141555501{minutes:02d}",
                "call_start": now - timedelta(minutes=minutes), "status": "missed",
            })
        won = self.env["crm.lead"].create({"name": "Won", "company_id": self.company.id})
        won.action_set_won()
        calls[10].lead_id = won
        lost = self.env["crm.lead"].create({"name": "Lost", "company_id": self.company.id})
        lost.action_set_lost()
        calls[12].lead_id = lost
        self.admin.tz = "America/Los_Angeles"
        # The browser's own clock is in Los Angeles too (8 hours west of UTC).
        with patch.dict(os.environ, {"TZ": "America/Los_Angeles"}):
            self.start_tour("/odoo", "crm_missed_call_textback_overdue", login="admin", timeout=180)
