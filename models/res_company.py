import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import twilio_api

ACCOUNT_SID_RE = re.compile(r"^AC[0-9a-fA-F]{32}$")
API_BASE_URL_PARAM = "crm_missed_call_textback.twilio_api_base_url"


class ResCompany(models.Model):
    _inherit = "res.company"

    twilio_account_sid = fields.Char(
        "Twilio Account SID", copy=False, index="btree_not_null",
        help="Starts with AC: Twilio Console, Account Info. Webhooks are accepted only "
             "for the company whose Account SID they carry.")
    twilio_auth_token = fields.Char(
        copy=False, groups="base.group_system",
        help="Signs every webhook Twilio sends and authenticates the text-backs.")

    missed_call_landline_lookup = fields.Boolean(
        "Detect Landlines",
        help="Before a text-back, ask Twilio Lookup whether the caller's number is a landline, and "
             "do not text landlines. Each lookup is billed by Twilio; results are kept 90 days per number.")

    @api.constrains("twilio_account_sid")
    def _check_twilio_account_sid(self):
        for company in self:
            if company.twilio_account_sid and not ACCOUNT_SID_RE.match(company.twilio_account_sid):
                raise ValidationError(self.env._(
                    "The Twilio Account SID of %(company)s must be 'AC' followed by 32 hexadecimal "
                    "characters (Twilio Console, Account Info).", company=company.name))

    @api.model
    def _twilio_companies_for_account(self, account_sid):
        """Companies connected to the Twilio account ``account_sid``."""
        if not account_sid or not ACCOUNT_SID_RE.match(account_sid):
            return self.browse()
        return self.sudo().search([("twilio_account_sid", "=", account_sid)])

    def _twilio_client(self):
        """The twilio REST client of this company's account."""
        self.ensure_one()
        company = self.sudo()
        if not company.twilio_account_sid or not company.twilio_auth_token:
            raise twilio_api.TwilioSendError(
                self.env._("Twilio is not configured for %s: set the Account SID and Auth Token in CRM settings.",
                  company.name),
                transient=False)
        return twilio_api.get_client(
            company.twilio_account_sid, company.twilio_auth_token, self._twilio_sandbox_url() or None)

    @api.model
    def _twilio_sandbox_url(self):
        """Where Twilio API requests go instead of Twilio (a sandbox, the tests' stand-in), if set."""
        return self.env["ir.config_parameter"].sudo().get_param(API_BASE_URL_PARAM) or False
