from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    call_log_ids = fields.One2many("crm.call.log", "lead_id", "Call Logs")
    call_log_count = fields.Integer("Calls", compute="_compute_call_log_count")

    def _compute_call_log_count(self):
        counts = dict(self.env["crm.call.log"]._read_group(
            [("lead_id", "in", self.ids)], ["lead_id"], ["__count"]))
        for lead in self:
            lead.call_log_count = counts.get(lead, 0)

    def action_view_call_logs(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_missed_call_textback.crm_call_log_action")
        action["domain"] = [("lead_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
