from markupsafe import Markup

from odoo import api, fields, models
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

    # ------------------------------------------------------------
    # The caller's lead: found by number or contact, else made (missed calls, texts
    # received), under the caller's row lock
    # ------------------------------------------------------------

    @api.model
    def _missed_call_find_open_leads(self, company, keys):
        """{(number, contact): lead}: the latest open lead of ``company`` (or shared) with
        that number, or of that contact."""
        if not keys:
            return {}
        candidates = self.search([
            ("company_id", "in", [False, company.id]), ("probability", "<", 100),
            "|", ("phone_sanitized", "in", [number for number, _partner in keys]),
            ("partner_id", "in", [partner.id for _number, partner in keys if partner]),
        ], order="create_date desc, id desc")
        leads = {}
        for number, partner in keys:
            lead = next((lead for lead in candidates if lead.phone_sanitized == number
                         or (partner and lead.partner_id == partner)), None)
            if lead:
                leads[number, partner] = lead
        return leads

    @api.model
    def _missed_call_lead_defaults(self, missed_call=True):
        """The values every lead made from a call or a text shares, read once for a batch."""
        xmlid_to_id = self.env["ir.model.data"]._xmlid_to_res_id
        # As a user of the company sees it (the cron's user may not be one).
        use_leads = self.env.ref("crm.group_use_lead") in self.env.ref("base.group_user").implied_ids
        values = {
            "type": "lead" if use_leads else "opportunity",
            "medium_id": xmlid_to_id("utm.utm_medium_phone"),
        }
        if missed_call:
            values.update({
                "source_id": xmlid_to_id("crm_missed_call_textback.utm_source_missed_call"),
                "tag_ids": [fields.Command.link(xmlid_to_id("crm_missed_call_textback.crm_tag_missed_call"))],
            })
        return values

    @api.model
    def _missed_call_lead_values(self, line, partner, number, name, description, defaults=None, missed_call=True):
        """The values of a new lead of ``partner`` (at ``number``) who called or texted ``line``."""
        return {
            **(defaults or self._missed_call_lead_defaults(missed_call)),
            "name": name,
            "partner_id": partner.id,
            "phone": line._format_number(number),
            "user_id": line.user_id.id,
            # Without a team on the line, crm.lead picks the salesperson's own.
            **({"team_id": line.team_id.id} if line.team_id else {}),
            "company_id": line.company_id.id,
            "description": Markup("<p>%s</p>") % description,
        }

    def action_missed_call_back(self):
        """Call the lead back from the business number it called (or the company's first line)."""
        self.ensure_one()
        self.check_access("read")
        number = self.phone_sanitized or self.partner_id.phone_sanitized
        if not number:
            raise UserError(self.env._("This lead has no phone number to call back."))
        CallLog = self.env["crm.call.log"].sudo()
        # A lead without a company may hold calls to several companies: only the user's own.
        last_call = CallLog.search([("lead_id", "=", self.id), ("direction", "=", "inbound"),
                                    ("company_id", "in", self.env.user.company_ids.ids)],
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
