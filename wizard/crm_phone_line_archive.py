from odoo import fields, models


class CrmPhoneLineArchive(models.TransientModel):
    """Archiving a connected line: also give its number back to Twilio's defaults?"""
    _name = "crm.phone.line.archive"
    _description = "Archive a Phone Line"

    line_ids = fields.Many2many("crm.phone.line", required=True)

    def action_archive_and_disconnect(self):
        self.line_ids.action_disconnect_webhooks()
        return self.action_archive_only()

    def action_archive_only(self):
        self.line_ids.with_context(crm_phone_line_archive_confirmed=True).action_archive()
        return {"type": "ir.actions.act_window_close"}
