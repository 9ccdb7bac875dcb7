from datetime import timedelta

import pytz

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..tools.odoo_compat import USER_GROUPS_FIELD
from .common import MissedCallCommon, call_sid, message_sid, scenario


@tagged("post_install", "-at_install")
class TestCallKpis(MissedCallCommon):

    def log(self, n, hours_ago, status, **values):
        return self.CallLog.create({
            "call_sid": call_sid(n), "line_id": self.line.id, "from_number": f"+1415555{n:04d}",
            "call_start": fields.Datetime.now() - timedelta(hours=hours_ago), "status": status, **values})

    def lead(self, revenue, won):
        lead = self.env["crm.lead"].create({"name": "Lead", "company_id": self.company.id,
                                            "expected_revenue": revenue})
        if won:
            lead.action_set_won()
        return lead

    def setUp(self):
        super().setUp()
        won_a, won_b, open_lead = self.lead(400, True), self.lead(600, True), self.lead(999, False)
        sent = {"textback_state": "sent"}
        delivered = {"textback_state": "delivered"}
        # Ten calls in the last 7 days: 6 missed, 4 answered.
        self.log(1, 1, "missed", textback_sid=message_sid(1), responded=True, lead_id=won_a.id,
                 called_back_at=fields.Datetime.now(), callback_seconds=120, called_back_in_time=True, **delivered)
        self.log(2, 2, "missed", textback_sid=message_sid(2), responded=True, lead_id=won_a.id, **delivered)
        self.log(3, 3, "missed", textback_sid=message_sid(3), responded=True, lead_id=won_b.id,
                 called_back_at=fields.Datetime.now(), callback_seconds=900, **delivered)
        self.log(4, 4, "missed", textback_sid=message_sid(4), lead_id=open_lead.id, **delivered)
        self.log(5, 5, "missed", textback_sid=message_sid(5), **sent)
        self.log(6, 6, "missed", textback_state="skipped", textback_skip_reason="withheld", from_number="Anonymous")
        for n in range(7, 11):
            self.log(n, n, "answered", duration=60)
        # A ringing call is not finished: it counts nowhere.
        self.log(11, 1, "ringing")
        # The 7 days before: 2 calls, none missed.
        self.log(12, 24 * 8, "answered")
        self.log(13, 24 * 9, "answered")

    def kpis(self, days_from, days_to=0):
        now = fields.Datetime.now()
        return self.report()._kpis(now - timedelta(days=days_from), now - timedelta(days=days_to))

    def report(self):
        """The analysis as the company's sales manager reads it (his companies' calls only:
        a database with demo data has calls of its own)."""
        return self.env["crm.call.report"].with_user(self.manager)

    def test_kpis_of_a_known_set_of_calls(self):
        kpis = self.kpis(7)
        self.assertEqual((kpis["calls"], kpis["missed"]), (10, 6))
        self.assertAlmostEqual(kpis["missed_rate"], 0.6)
        self.assertEqual((kpis["texts_sent"], kpis["texts_delivered"]), (5, 4))
        self.assertAlmostEqual(kpis["delivery_rate"], 0.8)
        self.assertEqual(kpis["responded"], 3)
        self.assertAlmostEqual(kpis["response_rate"], 0.5)
        self.assertEqual((kpis["called_back"], kpis["callbacks_in_time"]), (2, 1))
        self.assertEqual(kpis["callback_median_seconds"], 510)
        self.assertEqual(kpis["leads_won"], 2, "a lead with two missed calls is won once")
        self.assertEqual(kpis["revenue_won"], 1000)

    def test_skipped_text_backs_are_counted_by_reason(self):
        self.env.flush_all()
        groups = dict(self.report()._read_group(
            [("textback_state", "=", "skipped")], ["textback_skip_reason"], ["call_count:sum"]))
        self.assertEqual(groups, {"withheld": 1})

    def test_an_empty_period_has_no_rates_rather_than_a_division_by_zero(self):
        kpis = self.kpis(60, 30)
        self.assertEqual((kpis["calls"], kpis["missed"], kpis["texts_sent"]), (0, 0, 0))
        for rate in ("missed_rate", "delivery_rate", "response_rate", "callback_median_seconds"):
            self.assertIsNone(kpis[rate])

    def test_a_period_without_missed_calls_has_no_response_rate(self):
        kpis = self.kpis(14, 7)
        self.assertEqual((kpis["calls"], kpis["missed_rate"], kpis["response_rate"]), (2, 0.0, None))

    def test_dashboard_compares_with_the_period_before_and_warns_above_20_percent(self):
        data = self.report().get_missed_call_dashboard(7)
        self.assertEqual((data["current"]["calls"], data["previous"]["calls"]), (10, 2))
        self.assertIn("60%", data["warning"])
        self.assertIn("receptionist", data["warning"])
        self.CallLog.search([("line_id", "=", self.line.id), ("status", "=", "missed")]).write({"status": "answered"})
        self.assertIsNone(self.report().get_missed_call_dashboard(7)["warning"])

    def test_heat_map_groups_by_weekday_and_hour_in_the_line_timezone(self):
        self.CallLog.search([("line_id", "=", self.line.id)]).unlink()
        # Sunday 23:30 and Monday 0:10 in New York.
        self.log(1, 0, "missed").call_start = scenario(2026, 11, 30, 4, 30)
        self.log(2, 0, "missed").call_start = scenario(2026, 11, 30, 5, 10)
        self.env.flush_all()
        groups = self.report()._read_group(
            [], ["call_weekday", "call_hour"], ["call_count:sum", "missed_rate:avg"])
        self.assertEqual(sorted(groups), [("0", 0, 1, 100.0), ("6", 23, 1, 100.0)])

    def test_the_dashboard_trend_has_every_day_of_the_period_with_its_counts(self):
        data = self.report().with_context(tz="America/Los_Angeles").get_missed_call_dashboard(7)
        trend = data["trend"]
        self.assertEqual(trend["unit"], "day")
        self.assertEqual(len(trend["points"]), 8, "the 7 days back and today, empty days included")
        self.assertEqual(sum(point["calls"] for point in trend["points"]), 10)
        self.assertEqual(sum(point["missed"] for point in trend["points"]), 6)
        self.assertEqual(trend["points"][0]["date_from"], data["period"]["current"][0])
        self.assertEqual(trend["points"][-1]["date_to"], data["period"]["current"][1])
        for before, after in zip(trend["points"], trend["points"][1:], strict=False):
            self.assertEqual(before["date_to"], after["date_from"], "the days follow each other")
        weekly = self.report().get_missed_call_dashboard(90)["trend"]
        self.assertEqual(weekly["unit"], "week")
        self.assertEqual(sum(point["calls"] for point in weekly["points"]), 12)

    def test_the_dashboard_shows_the_share_called_back_within_5_minutes(self):
        kpis = self.report().get_missed_call_dashboard(7)["current"]
        self.assertAlmostEqual(kpis["callback_in_time_rate"], 1 / 6)

    def test_the_dashboard_filters_by_line_and_salesperson(self):
        other_line = self.line.copy({"name": "Second line", "number": "+14155550177"})
        self.log(20, 1, "missed", line_id=other_line.id, user_id=self.manager.id)
        report = self.report()
        self.assertEqual(report.get_missed_call_dashboard(7)["current"]["calls"], 11)
        self.assertEqual(report.get_missed_call_dashboard(7, line_id=other_line.id)["current"]["calls"], 1)
        self.assertEqual(report.get_missed_call_dashboard(7, user_id=self.salesman.id)["current"]["calls"], 10)
        data = report.get_missed_call_dashboard(7)
        self.assertEqual({line["id"] for line in data["lines"]}, {self.line.id, other_line.id})
        self.assertEqual({user["id"] for user in data["users"]}, {self.salesman.id, self.manager.id})

    def test_bad_dashboard_input_gets_a_clear_error(self):
        for kwargs in ({"days": 8}, {"days": "x"}, {"line_id": "1 OR 1=1"}, {"user_id": -3}, {"line_id": [1]},
                       {"line_id": 2**31}):
            with self.subTest(**{key: repr(value) for key, value in kwargs.items()}), \
                    self.assertRaises(ValidationError):
                self.report().get_missed_call_dashboard(**kwargs)

    def test_the_heat_map_shades_missed_calls_per_weekday_and_hour_in_the_line_timezone(self):
        self.CallLog.search([("line_id", "=", self.line.id)]).unlink()
        when = fields.Datetime.now() - timedelta(days=2)
        for n, status in enumerate(("missed", "missed", "answered"), start=1):
            self.log(n, 0, status).call_start = when
        heat = self.report().get_missed_call_heat_map(30)
        local = pytz.utc.localize(when).astimezone(pytz.timezone("America/New_York"))
        self.assertEqual(heat["cells"][local.weekday()][local.hour], {"missed": 2, "calls": 3})
        self.assertEqual(heat["max_missed"], max(c["missed"] for row in heat["cells"] for c in row))
        self.assertEqual(len(heat["cells"]), 7)
        self.assertTrue(all(len(row) == 24 for row in heat["cells"]), "every hour is shown")
        self.assertEqual(heat["timezones"], ["America/New_York"])
        self.assertEqual(heat["weekdays"][0], "Monday")

    def test_salesman_reads_the_analysis_of_his_company_only(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        user = self.env["res.users"].create({"name": "Other", "login": "mctb_other_analyst",
                                             "company_id": other.id, "company_ids": [(6, 0, other.ids)],
                                             USER_GROUPS_FIELD: self.env.ref("sales_team.group_sale_salesman").ids})
        report = self.env["crm.call.report"].with_user(user).with_context(allowed_company_ids=other.ids)
        self.assertEqual(report.get_missed_call_dashboard(7)["current"]["calls"], 0)
        dashboard = self.env["crm.call.report"].with_user(self.salesman).get_missed_call_dashboard(7)
        self.assertEqual(dashboard["current"]["calls"], 10)

    def test_weekly_digest_reports_the_missed_call_kpis(self):
        digest = self.env["digest.digest"].create({"name": "Weekly", "company_id": self.company.id,
                                                   "kpi_missed_calls": True})
        now = fields.Datetime.now()
        digest = digest.with_context(start_datetime=now - timedelta(days=7), end_datetime=now)
        self.assertEqual(digest.kpi_missed_calls_value, 6)
        self.assertEqual(digest.kpi_missed_call_rate_value, 60)
        self.assertEqual(digest.kpi_textback_delivery_rate_value, 80)
        self.assertEqual(digest.kpi_missed_call_response_rate_value, 50)
        quiet = digest.with_context(start_datetime=now - timedelta(days=60), end_datetime=now - timedelta(days=30))
        quiet.invalidate_recordset()
        self.assertEqual((quiet.kpi_missed_calls_value, quiet.kpi_missed_call_rate_value), (0, 0))
        self.assertTrue(self.env.ref("digest.digest_digest_default").kpi_missed_call_rate)


@tagged("post_install", "-at_install")
class TestDemoCalls(MissedCallCommon):

    def test_generated_demo_calls_are_whole_and_feed_the_dashboard(self):
        self.CallLog._generate_demo_calls(self.line.id, count=80, days=30, seed=7)
        logs = self.CallLog.search([("line_id", "=", self.line.id)])
        self.assertEqual(len(logs), 80)
        missed = logs.filtered(lambda log: log.status == "missed")
        self.assertTrue(missed)
        self.assertTrue(all(log.lead_id and log.partner_id and log.crm_synced for log in missed))
        self.assertTrue(all(log.textback_body and "Acme Plumbing" in log.textback_body for log in missed))
        self.assertTrue(all(log.call_start <= fields.Datetime.now() for log in logs))
        hours = set(logs.mapped("call_hour"))
        self.assertTrue(hours <= set(range(7, 21)), hours)
        kpis = self.env["crm.call.report"].with_user(self.manager).get_missed_call_dashboard(30)["current"]
        self.assertEqual(kpis["calls"], len(logs.filtered(
            lambda log: log.call_start >= fields.Datetime.now() - timedelta(days=30))))

    def test_the_demo_follow_up_has_a_playable_voicemail_a_text_from_the_line_and_an_answered_call_back(self):
        log = self.CallLog._generate_demo_follow_up(self.line.id)
        lead = log.lead_id
        self.assertEqual((log.status, log.voicemail_state, log.textback_state), ("missed", "stored", "delivered"))
        self.assertTrue(log.voicemail_attachment_id.raw.startswith(b"RIFF"), "a real WAV file")
        voice = lead.message_ids.attachment_ids.filtered("voice_ids")
        self.assertIn(voice.mimetype, ("audio/wav", "audio/x-wav"))  # as guessed by each version
        self.assertEqual(lead.priority, "2")
        self.assertTrue(any("water heater" in (body or "") for body in lead.message_ids.mapped("body")))
        self.assertTrue(log.responded)
        sms_message = lead.message_ids.filtered(lambda message: message.message_type == "sms")
        self.assertEqual(sms_message.notification_ids.notification_status, "sent", "delivered through the line")
        callback = log.callback_ids
        self.assertEqual((callback.direction, callback.status, callback.duration), ("outbound", "answered", 192))
        self.assertTrue(log.called_back_in_time)
        self.assertFalse(lead.activity_ids, "the answered call-back closed the call-back activity")
