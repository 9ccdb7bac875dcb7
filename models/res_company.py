import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import twilio_api
from ..tools.sms_twilio_lines import twilio_lines_sms_api

ACCOUNT_SID_RE = re.compile(r"AC[0-9a-fA-F]{32}")  # matched whole (fullmatch)
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

    missed_call_sms_via_twilio = fields.Boolean(
        "Send Odoo's SMS through Twilio", default=True,
        help="SMS sent from Odoo (the chatter's SMS button, the SMS composer) go through your Twilio account, "
             "from the line the recipient last called or texted, so that they see your business number. "
             "Without Twilio, Odoo's own SMS service sends them.")
    missed_call_default_line_id = fields.Many2one(
        "crm.phone.line", "Default Line for Texts", domain="[('company_id', '=', id)]",
        help="The line SMS are sent from to somebody who never called nor texted any line. "
             "Empty: the first line.")
    missed_call_landline_lookup = fields.Boolean(
        "Detect Landlines",
        help="Before a text-back, ask Twilio Lookup whether the caller's number is a landline, and "
             "do not text landlines. Each lookup is billed by Twilio; results are kept 90 days per number.")

    @api.constrains("missed_call_default_line_id")
    def _check_missed_call_default_line(self):
        for company in self:
            line = company.missed_call_default_line_id
            if line and line.company_id != company:
                raise ValidationError(self.env._(
                    "The default line for texts of %(company)s must be one of its own lines, not “%(line)s”.",
                    company=company.name, line=line.name))

    @api.constrains("twilio_account_sid")
    def _check_twilio_account_sid(self):
        for company in self:
            if company.twilio_account_sid and not ACCOUNT_SID_RE.fullmatch(company.twilio_account_sid):
                raise ValidationError(self.env._(
                    "The Twilio Account SID of %(company)s must be 'AC' followed by 32 hexadecimal "
                    "characters (Twilio Console, Account Info).", company=company.name))

    # ------------------------------------------------------------
    # The company's Twilio account
    # ------------------------------------------------------------
    # Odoo 19's Twilio SMS provider (sms_twilio) keeps an Account SID and Auth Token per
    # company. Where it is installed and filled in, that is the company's one Twilio
    # account, for its SMS and for this add-on alike; elsewhere the add-on's own fields.

    @api.model
    def _sms_twilio_installed(self):
        return "sms_twilio_account_sid" in self._fields

    def _uses_sms_twilio_account(self):
        self.ensure_one()
        company = self.sudo()
        return bool(self._sms_twilio_installed()
                    and company.sms_twilio_account_sid and company.sms_twilio_auth_token)

    def _twilio_credentials(self):
        """``(account_sid, auth_token)`` of this company's Twilio account, either may be False."""
        self.ensure_one()
        company = self.sudo()
        if company._uses_sms_twilio_account():
            return company.sms_twilio_account_sid, company.sms_twilio_auth_token
        return company.twilio_account_sid, company.twilio_auth_token

    def _get_sms_api_class(self):
        """Odoo 19's Twilio SMS (sms_twilio) sends this company's SMS: from the line the
        recipient last called or texted, and never to an opted-out number."""
        api_class = super()._get_sms_api_class()
        if self._sms_twilio_installed() and self.sms_provider == "twilio":
            return twilio_lines_sms_api(api_class)
        return api_class

    def _missed_call_sends_sms(self):
        """Whether this add-on sends the company's SMS through Twilio (without sms_twilio:
        with it, Odoo's own Twilio SMS does, where the company chose it)."""
        self.ensure_one()
        if self._sms_twilio_installed():
            return False
        account_sid, auth_token = self._twilio_credentials()
        return bool(self.sudo().missed_call_sms_via_twilio and account_sid and auth_token
                    and self.env["crm.phone.line"].sudo().search_count([("company_id", "=", self.id)], limit=1))

    def _missed_call_sender_line(self, number):
        """The line SMS to ``number`` (E.164) go from: the one it last called or texted, else
        the company's default line, else its first line."""
        self.ensure_one()
        last_call = self.env["crm.call.log"].sudo().search(
            [("company_id", "=", self.id), ("from_number", "=", number), ("line_id.active", "=", True)],
            order="call_start desc", limit=1)
        last_text = self.env["crm.textback.reply"].sudo().search(
            [("company_id", "=", self.id), ("from_number", "=", number), ("line_id.active", "=", True)],
            order="create_date desc", limit=1)
        if last_call and last_text:
            return last_text.line_id if last_text.create_date > last_call.call_start else last_call.line_id
        if last_call or last_text:
            return (last_call or last_text).line_id
        return self.sudo().missed_call_default_line_id.filtered("active") or self.env["crm.phone.line"].sudo().search(
            [("company_id", "=", self.id)], limit=1)

    @api.model
    def _twilio_companies_for_account(self, account_sid):
        """Companies connected to the Twilio account ``account_sid``."""
        if not account_sid or not ACCOUNT_SID_RE.fullmatch(account_sid):
            return self.browse()
        Company = self.sudo()
        domain = [("twilio_account_sid", "=", account_sid)]
        if self._sms_twilio_installed():
            domain = ["|", ("sms_twilio_account_sid", "=", account_sid), *domain]
        return Company.search(domain).filtered(lambda company: company._twilio_credentials()[0] == account_sid)

    def _get_twilio_api_class(self):
        """The class that talks to Twilio for the add-on (the hook to replace it, as
        Odoo's ``_get_sms_api_class`` is for SMS)."""
        return twilio_api.TwilioApi

    def _twilio_api(self):
        """This company's account, through :meth:`_get_twilio_api_class`."""
        self.ensure_one()
        return self._get_twilio_api_class()(self._twilio_client())

    def _twilio_client(self):
        """The twilio REST client of this company's account."""
        self.ensure_one()
        account_sid, auth_token = self._twilio_credentials()
        if not account_sid or not auth_token:
            raise twilio_api.TwilioError(
                self.env._("Twilio is not configured for %s: set the Account SID and Auth Token in CRM settings.",
                           self.sudo().name),
                transient=False)
        return twilio_api.get_client(account_sid, auth_token, self._twilio_sandbox_url() or None)

    @api.model
    def _twilio_sandbox_url(self):
        """Where Twilio API requests go instead of Twilio (a sandbox, the tests' stand-in), if set."""
        return self.env["ir.config_parameter"].sudo().get_param(API_BASE_URL_PARAM) or False
