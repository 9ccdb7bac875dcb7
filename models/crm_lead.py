from odoo import fields, models
from odoo.exceptions import UserError


class CrmLead(models.Model):
    _inherit = "crm.lead"

    call_log_ids = fields.One2many("crm.call.log", "lead_id", "Call Logs")
    call_log_count = fields.Integer("Calls", compute="_compute_call_log_count")

    def _compute_call_log_count(self):
        counts = dict(self.env["crm.call.log"]._read_group(
            [("lead_id", "in", self.ids)], ["lead_id"], ["__count"]))
        for lead in self:
            lead.call_log_count = counts.get(lead, 0)

    def action_missed_call_back(self):
        """Call the lead back from the business number it called (or the company's first line)."""
        self.ensure_one()
        self.check_access("read")
        number = self.phone_sanitized or self.partner_id.phone_sanitized
        if not number:
            raise UserError(self.env._("This lead has no phone number to call back."))
        CallLog = self.env["crm.call.log"].sudo()
        last_call = CallLog.search([("lead_id", "=", self.id), ("direction", "=", "inbound")],
                                   order="call_start desc", limit=1)
        if last_call:
            return last_call._call_back(self.env.user)
        line = self.env["crm.phone.line"].sudo().search([("company_id", "=", (self.company_id or self.env.company).id)],
                                                        limit=1)
        if not line or not line.company_id._twilio_credentials()[1]:
            return {"type": "ir.actions.act_url", "url": f"tel:{number}", "target": "self"}
        _callback, agent_phone = CallLog._place_call_back(line, number, self.env.user, lead=self,
                                                          partner=self.partner_id)
        return CallLog._call_back_notification(number, agent_phone, line)

    def action_view_call_logs(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_missed_call_textback.crm_call_log_action")
        action["domain"] = [("lead_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
