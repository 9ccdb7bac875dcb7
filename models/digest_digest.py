from odoo import fields, models
from odoo.exceptions import AccessError


class DigestDigest(models.Model):
    _inherit = "digest.digest"

    kpi_missed_calls = fields.Boolean("Missed Calls")
    kpi_missed_calls_value = fields.Integer(compute="_compute_missed_call_kpis")
    kpi_missed_call_rate = fields.Boolean("Missed-Call Rate (%)")
    kpi_missed_call_rate_value = fields.Integer(compute="_compute_missed_call_kpis")
    kpi_textback_delivery_rate = fields.Boolean("Text-Back Delivery Rate (%)")
    kpi_textback_delivery_rate_value = fields.Integer(compute="_compute_missed_call_kpis")
    kpi_missed_call_response_rate = fields.Boolean("Missed-Call Response Rate (%)")
    kpi_missed_call_response_rate_value = fields.Integer(compute="_compute_missed_call_kpis")

    def _compute_missed_call_kpis(self):
        if not self.env.user.has_group("sales_team.group_sale_salesman"):
            raise AccessError(self.env._("Do not have access, skip this data for user's digest email"))
        start, end, companies = self._get_kpi_compute_parameters()
        kpis = self.env["crm.call.report"]._kpis(
            fields.Datetime.to_datetime(start), fields.Datetime.to_datetime(end),
            [("company_id", "in", companies.ids)])

        def percent(rate):
            return round(rate * 100) if rate is not None else 0

        for digest in self:
            digest.kpi_missed_calls_value = kpis["missed"]
            digest.kpi_missed_call_rate_value = percent(kpis["missed_rate"])
            digest.kpi_textback_delivery_rate_value = percent(kpis["delivery_rate"])
            digest.kpi_missed_call_response_rate_value = percent(kpis["response_rate"])

    def _compute_kpis_actions(self, company, user):
        actions = super()._compute_kpis_actions(company, user)
        menu = self.env.ref("crm.crm_menu_root").id
        for kpi in ("kpi_missed_calls", "kpi_missed_call_rate", "kpi_textback_delivery_rate",
                    "kpi_missed_call_response_rate"):
            actions[kpi] = f"crm_missed_call_textback.crm_missed_call_dashboard_action?menu_id={menu}"
        return actions
