from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    twilio_account_sid = fields.Char(related="company_id.twilio_account_sid", readonly=False)
    twilio_auth_token = fields.Char(
        related="company_id.twilio_auth_token", readonly=False, groups="base.group_system")
    missed_call_landline_lookup = fields.Boolean(
        related="company_id.missed_call_landline_lookup", readonly=False)
