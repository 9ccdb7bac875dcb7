import statistics
from datetime import timedelta

from odoo import api, fields, models, tools

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
    revenue_won = fields.Float(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT l.id, l.call_start, l.line_id, l.user_id, l.company_id, l.status, l.missed_reason,
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
                  LEFT JOIN LATERAL (
                       SELECT (NOT EXISTS (
                                  SELECT 1 FROM crm_call_log e
                                   WHERE e.lead_id = l.lead_id AND e.status <> 'ringing'
                                     AND (e.call_start, e.id) < (l.call_start, l.id)))::int AS is_first
                        WHERE l.lead_outcome = 'won'
                  ) first_call ON TRUE
                 WHERE l.status <> 'ringing'
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
            "leads_won": won or 0,
            "revenue_won": revenue or 0.0,
        }

    @api.model
    def get_missed_call_dashboard(self, days=7):
        """KPIs of the last ``days`` days against the ``days`` before, for the dashboard."""
        days = int(days)
        if days not in (7, 30, 90):
            days = 7
        now = fields.Datetime.now()
        current = self._kpis(now - timedelta(days=days), now)
        previous = self._kpis(now - timedelta(days=2 * days), now - timedelta(days=days))
        warning = None
        if current["missed_rate"] is not None and current["missed_rate"] > MISSED_RATE_WARNING:
            warning = self.env._(
                "You missed %(rate)s%% of your calls. Above 20%%, consider a receptionist, a virtual "
                "answering service, or changing who covers the phone (staggered breaks, for example).",
                rate=round(current["missed_rate"] * 100))
        return {
            "days": days,
            "current": current,
            "previous": previous,
            "warning": warning,
            "currency_symbol": self.env.company.currency_id.symbol,
        }
