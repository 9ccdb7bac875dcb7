from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Not named twilio_account_sid, nor labelled "Account SID": mail's Settings have a field of
    # that name and label for Discuss's Twilio account (one global parameter): the two would
    # merge into one field, or show as two "Account SID" fields.
    missed_call_account_sid = fields.Char(
        "Missed Calls Twilio Account SID", related="company_id.twilio_account_sid", readonly=False)
    missed_call_auth_token = fields.Char(
        "Missed Calls Twilio Auth Token", related="company_id.twilio_auth_token", readonly=False,
        groups="base.group_system")
    missed_call_landline_lookup = fields.Boolean(
        related="company_id.missed_call_landline_lookup", readonly=False)
    missed_call_sms_via_twilio = fields.Boolean(related="company_id.missed_call_sms_via_twilio", readonly=False)
    missed_call_default_line_id = fields.Many2one(related="company_id.missed_call_default_line_id", readonly=False)
    # Odoo 19's Twilio SMS (sms_twilio): where it keeps the company's Twilio account, the
    # add-on uses that account, and Settings shows one Twilio account, not two.
    missed_call_sms_twilio_installed = fields.Boolean(compute="_compute_missed_call_twilio_account")
    missed_call_uses_sms_twilio = fields.Boolean(
        "Uses the Twilio SMS Account", compute="_compute_missed_call_twilio_account")
    missed_call_twilio_account_sid = fields.Char(
        "Twilio Account in Use", compute="_compute_missed_call_twilio_account")
    missed_call_twilio_account_warning = fields.Char(compute="_compute_missed_call_twilio_account")

    @api.depends("company_id", "missed_call_account_sid")
    def _compute_missed_call_twilio_account(self):
        for settings in self:
            company = settings.company_id
            settings.missed_call_sms_twilio_installed = company._sms_twilio_installed()
            settings.missed_call_uses_sms_twilio = company._uses_sms_twilio_account()
            settings.missed_call_twilio_account_sid = company._twilio_credentials()[0]
            own = company.twilio_account_sid
            settings.missed_call_twilio_account_warning = (
                settings.missed_call_uses_sms_twilio and own and own != settings.missed_call_twilio_account_sid
                and self.env._(
                    "The Account SID set for missed calls before (%(own)s) is no longer used: calls and "
                    "text-backs use the Twilio SMS account %(used)s, so your lines' numbers must belong to it.",
                    own=own, used=settings.missed_call_twilio_account_sid)) or False

    def action_open_sms_twilio_account(self):
        """Odoo's own Twilio SMS account dialog (sms_twilio), where the shared account is kept."""
        self.ensure_one()
        self.env["res.config.settings"].check_access("write")
        if not self.company_id._sms_twilio_installed():
            return False
        return self.company_id._action_open_sms_twilio_account_manage()
