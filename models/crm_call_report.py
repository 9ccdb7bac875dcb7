import statistics
from datetime import datetime, time, timedelta

import pytz
from babel.dates import format_date, format_time

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools.misc import babel_locale_parse

# Above this share of missed calls, the brief advises more phone coverage.
MISSED_RATE_WARNING = 0.20


class CrmCallReport(models.Model):
    """Call analytics: one row per finished call, with 0/1 measures to sum and
    rates to average. A rate is empty where it does not apply (no text sent, call
    not missed), so that its average over any group is the true rate."""
    _name = "crm.call.report"
    _description = "Call Analysis"
    _auto = False
    _order = "call_start desc"
    _rec_name = "call_start"

    call_start = fields.Datetime(readonly=True)
    line_id = fields.Many2one("crm.phone.line", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    status = fields.Selection([("answered", "Answered"), ("missed", "Missed")], readonly=True)
    missed_reason = fields.Selection(
        selection=lambda self: self.env["crm.call.log"]._fields["missed_reason"].selection, readonly=True)
    after_hours = fields.Boolean(readonly=True)
    textback_state = fields.Selection(
        selection=lambda self: self.env["crm.call.log"]._fields["textback_state"].selection,
        string="Text-Back", readonly=True)
    textback_skip_reason = fields.Selection(
        selection=lambda self: self.env["crm.call.log"]._fields["textback_skip_reason"].selection,
        string="Skipped Because", readonly=True)
    textback_template_id = fields.Many2one("crm.textback.template", "Template", readonly=True)
    call_hour = fields.Integer("Hour", readonly=True, aggregator=False)
    call_weekday = fields.Selection(
        selection=lambda self: self.env["crm.call.log"]._fields["call_weekday"].selection,
        string="Weekday", readonly=True)
    lead_id = fields.Many2one("crm.lead", readonly=True)
    lead_outcome = fields.Selection([("open", "Open"), ("won", "Won"), ("lost", "Lost")], readonly=True)

    call_count = fields.Integer("Calls", readonly=True)
    missed = fields.Integer(readonly=True)
    missed_rate = fields.Float("Missed Rate (%)", aggregator="avg", readonly=True)
    text_sent = fields.Integer("Texts Sent", readonly=True)
    text_delivered = fields.Integer("Texts Delivered", readonly=True)
    delivery_rate = fields.Float("Delivery Rate (%)", aggregator="avg", readonly=True)
    responded = fields.Integer(readonly=True)
    response_rate = fields.Float("Response Rate (%)", aggregator="avg", readonly=True)
    called_back = fields.Integer(readonly=True)
    callback_seconds = fields.Float("Seconds to Call Back (avg)", aggregator="avg", readonly=True)
    callback_in_time = fields.Integer("Called Back Within 5 Minutes", readonly=True)
    lead_won = fields.Integer("Leads Won", readonly=True)
    revenue_won = fields.Monetary(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)

    # Measures (a 0 or 1, a rate, a sum per call): summed or averaged, never a group.
    MEASURES = (
        "call_count", "missed", "missed_rate", "text_sent", "text_delivered", "delivery_rate", "responded",
        "response_rate", "called_back", "callback_seconds", "callback_in_time", "lead_won", "revenue_won",
        "currency_id",
    )

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        """The measures are not offered in "Add Custom Group"."""
        result = super().fields_get(allfields, attributes)
        for fname in self.MEASURES:
            if "groupable" in result.get(fname, {}):
                result[fname]["groupable"] = False
        return result

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT l.id, l.call_start, l.line_id, l.user_id, l.company_id, company.currency_id,
                       l.status, l.missed_reason,
                       l.after_hours, l.textback_state, l.textback_skip_reason, l.textback_template_id,
                       l.call_hour, l.call_weekday, l.lead_id, l.lead_outcome,
                       1 AS call_count,
                       (l.status = 'missed')::int AS missed,
                       CASE WHEN l.status = 'missed' THEN 100.0 ELSE 0.0 END AS missed_rate,
                       (l.textback_sid IS NOT NULL)::int AS text_sent,
                       (l.textback_state = 'delivered')::int AS text_delivered,
                       CASE WHEN l.textback_sid IS NULL THEN NULL
                            WHEN l.textback_state = 'delivered' THEN 100.0 ELSE 0.0 END AS delivery_rate,
                       (l.status = 'missed' AND l.responded IS TRUE)::int AS responded,
                       CASE WHEN l.status <> 'missed' THEN NULL
                            WHEN l.responded THEN 100.0 ELSE 0.0 END AS response_rate,
                       (l.status = 'missed' AND l.called_back_at IS NOT NULL)::int AS called_back,
                       CASE WHEN l.status = 'missed' AND l.called_back_at IS NOT NULL
                            THEN l.callback_seconds END AS callback_seconds,
                       (l.status = 'missed' AND l.called_back_in_time IS TRUE)::int AS callback_in_time,
                       -- A lead with several calls is won once: on its first one (looked up
                       -- only for calls whose lead is won).
                       CASE WHEN l.lead_outcome = 'won' THEN first_call.is_first ELSE 0 END AS lead_won,
                       CASE WHEN l.lead_outcome = 'won' AND first_call.is_first = 1 THEN l.lead_revenue_won
                            ELSE 0 END AS revenue_won
                  FROM crm_call_log l
                  JOIN res_company company ON company.id = l.company_id
                  LEFT JOIN LATERAL (
                       SELECT (NOT EXISTS (
                                  SELECT 1 FROM crm_call_log e
                                   WHERE e.lead_id = l.lead_id AND e.status <> 'ringing'
                                     AND (e.call_start, e.id) < (l.call_start, l.id)))::int AS is_first
                        WHERE l.lead_outcome = 'won'
                  ) first_call ON TRUE
                 WHERE l.status <> 'ringing' AND l.direction = 'inbound'
            )
        """)

    # ------------------------------------------------------------
    # KPIs of the dashboard and the digest
    # ------------------------------------------------------------

    @api.model
    def _kpis(self, date_from, date_to, domain=None):
        """The brief's KPIs over calls started in [date_from, date_to). Rates are None
        when they have no denominator (no call, no text, no missed call)."""
        self.env.flush_all()  # the view reads crm_call_log and crm_lead through SQL
        domain = [("call_start", ">=", date_from), ("call_start", "<", date_to)] + (domain or [])
        [(calls, missed, sent, delivered, responded, called_back, in_time, won, revenue, seconds)] = self._read_group(
            domain, [], ["call_count:sum", "missed:sum", "text_sent:sum", "text_delivered:sum", "responded:sum",
                         "called_back:sum", "callback_in_time:sum", "lead_won:sum", "revenue_won:sum",
                         "callback_seconds:array_agg"])
        seconds = [value for value in (seconds or []) if value is not None]

        def rate(part, whole):
            return part / whole if whole else None

        return {
            "calls": calls or 0,
            "missed": missed or 0,
            "missed_rate": rate(missed, calls),
            "texts_sent": sent or 0,
            "texts_delivered": delivered or 0,
            "delivery_rate": rate(delivered, sent),
            "responded": responded or 0,
            "response_rate": rate(responded, missed),
            "called_back": called_back or 0,
            "callback_median_seconds": statistics.median(seconds) if seconds else None,
            "callbacks_in_time": in_time or 0,
            "callback_in_time_rate": rate(in_time, missed),
            "leads_won": won or 0,
            "revenue_won": revenue or 0.0,
        }

    # What each dashboard card counts, as calls to open (with the period and filters added).
    KPI_CALL_DOMAINS = {
        "calls": [],
        "missed_rate": [("status", "=", "missed")],
        "delivery_rate": [("textback_sent", "=", True)],
        "response_rate": [("status", "=", "missed"), ("responded", "=", True)],
        "callback_median_seconds": [("status", "=", "missed"), ("called_back_at", "!=", False)],
        "callback_in_time_rate": [("status", "=", "missed"), ("called_back_in_time", "=", True)],
        "leads_won": [("lead_outcome", "=", "won")],
        "revenue_won": [("lead_outcome", "=", "won")],
    }

    @api.model
    def _dashboard_filters(self, line_id, user_id):
        """The domain of the dashboard's line and salesperson filters (ids, or False)."""
        domain = []
        for fname, value in (("line_id", line_id), ("user_id", user_id)):
            if value in (False, None, 0):
                continue
            # A record id is a PostgreSQL integer: a larger one would fail the query.
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
                raise ValidationError(self.env._("The %(filter)s filter takes a record id, not “%(value)s”.",
                                                 filter=fname, value=value))
            domain.append((fname, "=", value))
        return domain

    @api.model
    def _dashboard_period(self, days, allowed):
        try:
            days = int(days)
        except (TypeError, ValueError):
            days = None
        if days not in allowed:
            raise ValidationError(self.env._("The period is one of %(allowed)s days, not %(days)s.",
                                             allowed=", ".join(map(str, allowed)), days=days))
        return days

    @api.model
    def _dashboard_choices(self):
        """The lines and salespeople the user may filter by: those whose calls he sees."""
        # A company has a handful of lines: the filter offers them all.
        lines = self.env["crm.phone.line"].with_context(active_test=False).search([], limit=500)
        users = [user for (user,) in self._read_group([("user_id", "!=", False)], ["user_id"])]
        return {
            "lines": [{"id": line.id, "name": line.display_name} for line in lines],
            "users": sorted(({"id": user.id, "name": user.display_name} for user in users),
                            key=lambda choice: choice["name"]),
        }

    @api.model
    def get_missed_call_dashboard(self, days=7, line_id=False, user_id=False):
        """KPIs of the last ``days`` days against the ``days`` before, the calls and missed
        calls per day (per week over 90 days), for one line or salesperson or all of them."""
        days = self._dashboard_period(days, (7, 30, 90))
        filters = self._dashboard_filters(line_id, user_id)
        now = fields.Datetime.now()
        current_from, previous_from = now - timedelta(days=days), now - timedelta(days=2 * days)
        current = self._kpis(current_from, now, filters)
        previous = self._kpis(previous_from, current_from, filters)
        warning = None
        if current["missed_rate"] is not None and current["missed_rate"] > MISSED_RATE_WARNING:
            warning = self.env._(
                "You missed %(rate)s%% of your calls. Above 20%%, consider a receptionist, a virtual "
                "answering service, or changing who covers the phone (staggered breaks, for example).",
                rate=round(current["missed_rate"] * 100))
        return {
            "days": days,
            "line_id": line_id or False,
            "user_id": user_id or False,
            "current": current,
            "previous": previous,
            "warning": warning,
            "currency_id": self.env.company.currency_id.id,
            "currency_symbol": self.env.company.currency_id.symbol,
            "period": {"current": [fields.Datetime.to_string(current_from), fields.Datetime.to_string(now)],
                       "previous": [fields.Datetime.to_string(previous_from),
                                    fields.Datetime.to_string(current_from)]},
            "filter_domain": filters,
            "kpi_domains": self.KPI_CALL_DOMAINS,
            "trend": self._trend(current_from, now, "week" if days > 31 else "day", filters),
            **self._dashboard_choices(),
        }

    def _user_tz(self):
        return pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")

    @api.model
    def _trend(self, date_from, date_to, unit, domain):
        """Calls and missed calls per day or week of the user's timezone in [date_from,
        date_to): every day or week, the empty ones too, with its bounds in UTC."""
        tz = self._user_tz()
        self.env.flush_all()  # the view reads crm_call_log and crm_lead through SQL
        groups = self._read_group(
            [("call_start", ">=", date_from), ("call_start", "<", date_to)] + domain,
            [f"call_start:{unit}"], ["call_count:sum", "missed:sum"])
        counts = {start.date(): (calls, missed) for start, calls, missed in groups}
        first = pytz.utc.localize(date_from).astimezone(tz).date()
        last = pytz.utc.localize(date_to).astimezone(tz).date()
        step = timedelta(days=7 if unit == "week" else 1)
        if unit == "week":
            week_start = int(self.env["res.lang"]._get_data(code=self.env.lang or "en_US").week_start or 1)
            first -= timedelta(days=(first.isoweekday() - week_start) % 7)
        locale = babel_locale_parse(self.env.lang or "en_US")
        points = []
        day = first
        while day <= last:
            start = tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
            end = tz.localize(datetime.combine(day + step, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
            calls, missed = counts.get(day, (0, 0))
            points.append({
                "label": format_date(day, "MMM d", locale=locale),
                "date_from": fields.Datetime.to_string(max(start, date_from)),
                "date_to": fields.Datetime.to_string(min(end, date_to)),
                "calls": calls or 0,
                "missed": missed or 0,
            })
            day += step
        return {"unit": unit, "points": points}

    @api.model
    def get_missed_call_heat_map(self, days=30, line_id=False, user_id=False):
        """Missed and all calls per weekday and hour, each line's calls in its own timezone."""
        days = self._dashboard_period(days, (7, 30, 90))
        filters = self._dashboard_filters(line_id, user_id)
        now = fields.Datetime.now()
        date_from = now - timedelta(days=days)
        self.env.flush_all()  # the view reads crm_call_log and crm_lead through SQL
        groups = self._read_group(
            [("call_start", ">=", date_from), ("call_start", "<", now)] + filters,
            ["call_weekday", "call_hour"], ["call_count:sum", "missed:sum"])
        cells = [[{"calls": 0, "missed": 0} for _hour in range(24)] for _day in range(7)]
        for weekday, hour, calls, missed in groups:
            if weekday and 0 <= (hour or 0) < 24:
                cells[int(weekday)][hour or 0] = {"calls": calls or 0, "missed": missed or 0}
        locale = babel_locale_parse(self.env.lang or "en_US")
        weekdays = dict(self._fields["call_weekday"]._description_selection(self.env))
        lines = self.env["crm.phone.line"].with_context(active_test=False).search(
            [("id", "=", line_id)] if line_id else [])
        return {
            "days": days,
            "line_id": line_id or False,
            "user_id": user_id or False,
            "period": [fields.Datetime.to_string(date_from), fields.Datetime.to_string(now)],
            "filter_domain": filters,
            "weekdays": [weekdays[str(day)] for day in range(7)],
            "hours": [format_time(time(hour), "short", locale=locale).replace("\u202f", " ")
                      for hour in range(24)],
            "cells": cells,
            "max_missed": max((cell["missed"] for row in cells for cell in row), default=0),
            "timezones": sorted({line._calendar_tz().zone for line in lines}),
            **self._dashboard_choices(),
        }
