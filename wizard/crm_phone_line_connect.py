from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import twilio_api


class CrmPhoneLineConnect(models.TransientModel):
    """Connect a phone number in one screen: check the Twilio account, pick one of
    its numbers or buy one, and point its webhooks at this Odoo."""
    _name = "crm.phone.line.connect"
    _description = "Connect a Phone Number"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    account_name = fields.Char(readonly=True)
    credentials_error = fields.Char(readonly=True)
    mode = fields.Selection([
        ("existing", "A number of my Twilio account"),
        ("buy", "Buy a new local number"),
        ("port", "Keep my current number"),
    ], default="existing", required=True)
    number_ids = fields.One2many("crm.phone.line.connect.number", "wizard_id")
    owned_number_ids = fields.One2many(
        "crm.phone.line.connect.number", "wizard_id", domain=[("kind", "=", "owned")])
    available_number_ids = fields.One2many(
        "crm.phone.line.connect.number", "wizard_id", domain=[("kind", "=", "available")])
    country_id = fields.Many2one("res.country", default=lambda self: self.env.company.country_id)
    area_code = fields.Char()
    contains = fields.Char("Digits", help="Digits the number should contain, e.g. 2020")
    confirm_purchase = fields.Boolean(
        "I understand that Twilio bills this number every month")
    name = fields.Char("Line Name", default=lambda self: self.env._("Main line"))
    forward_to = fields.Char("Ring This Phone", help="Your mobile or desk phone, e.g. +14155550199")
    user_id = fields.Many2one("res.users", "Salesperson", default=lambda self: self.env.user)
    base_url_warning = fields.Char(compute="_compute_base_url_warning")
    a2p_warning = fields.Char(compute="_compute_a2p_warning")

    @api.depends("owned_number_ids.selected", "available_number_ids.selected", "mode")
    def _compute_a2p_warning(self):
        for wizard in self:
            kind = "owned" if wizard.mode == "existing" else "available"
            chosen = wizard.number_ids.filtered(lambda number, kind=kind: number.kind == kind and number.selected)
            wizard.a2p_warning = any(number.phone_number.startswith("+1") for number in chosen) and self.env._(
                "This is a US number: carriers block texts from numbers without an A2P 10DLC registration "
                "(Twilio error 30034). Register a campaign in the Twilio Console, then set its Messaging "
                "Service SID on the line.")

    @api.depends("company_id")
    def _compute_base_url_warning(self):
        base_url = self.env["crm.phone.line"].get_base_url()
        for wizard in self:
            wizard.base_url_warning = not base_url.startswith("https://") and self.env._(
                "Twilio must reach this Odoo at a public https address; web.base.url is %s.", base_url)

    @api.model
    def default_get(self, fields_list):
        """Opening the wizard checks the Twilio account at once, and lists its numbers."""
        self.check_access("create")
        values = super().default_get(fields_list)
        company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
        self._check_company_allowed(company)
        try:
            twilio = company._twilio_api()
            values["account_name"] = twilio.check_credentials()
            owned = twilio.list_incoming_numbers()
        except twilio_api.TwilioError as error:
            values["credentials_error"] = self._explain(error, company)
            return values
        values["owned_number_ids"] = [fields.Command.create({
            "kind": "owned", "sid": number["sid"], "phone_number": number["phone_number"],
            "friendly_name": number["friendly_name"], "current_voice_url": number["voice_url"],
        }) for number in owned]
        return values

    def _twilio_api(self):
        self._check_company_allowed(self.company_id)
        return self.company_id._twilio_api()

    @api.constrains("company_id")
    def _check_company_id(self):
        for wizard in self:
            self._check_company_allowed(wizard.company_id)

    @api.model
    def _check_company_allowed(self, company):
        """Nobody uses a company's Twilio account without being allowed in the company."""
        if company not in self.env.user.company_ids:
            raise AccessError(self.env._("You are not allowed to manage the phone numbers of %s.", company.name))

    @api.model
    def _explain(self, error, company=None):
        if error.status in (401, 403):
            return self.env._("Twilio refused the Account SID and Auth Token of %s: copy them again from the "
                     "Twilio Console (Account Info) into CRM settings.", (company or self.company_id).name)
        if error.status is None and not error.transient:  # no credentials at all
            return error.describe(self.env)
        if error.status == 404:
            return self.env._("Twilio does not know this account: check the Account SID in CRM settings.")
        return error.describe(self.env)

    def _reopen(self):
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "target": "new", "name": self.env._("Connect a Phone Number")}

    def action_search(self):
        self.ensure_one()
        if not self.country_id:
            raise UserError(self.env._("Choose the country of the number."))
        if self.area_code and not self.area_code.strip().isdigit():
            raise UserError(self.env._("The area code is digits only, e.g. 415."))
        try:
            found = self._twilio_api().search_available_numbers(
                self.country_id.code, self.area_code and self.area_code.strip(),
                self.contains and self.contains.strip())
        except twilio_api.TwilioError as error:
            raise UserError(self._explain(error)) from error
        self.number_ids.filtered(lambda number: number.kind == "available").unlink()
        self.env["crm.phone.line.connect.number"].create([{
            "wizard_id": self.id, "kind": "available", "phone_number": number["phone_number"],
            "friendly_name": number["friendly_name"],
            "location": ", ".join(part for part in (number["locality"], number["region"]) if part),
        } for number in found])
        return self._reopen()

    def action_connect(self):
        """Create the line, and point the number's webhooks at Odoo (buying it first if asked)."""
        self.ensure_one()
        if self.credentials_error:
            raise UserError(self.credentials_error)
        if self.mode == "port":
            raise UserError(self.env._("Porting is done with Twilio: see the steps above, then come back to connect "
                              "the number once it is in your Twilio account."))
        kind = "owned" if self.mode == "existing" else "available"
        chosen = self.number_ids.filtered(lambda number: number.kind == kind and number.selected)
        if len(chosen) != 1:
            raise UserError(self.env._("Select exactly one number."))
        if not self.forward_to:
            raise UserError(self.env._("Enter the phone the line should ring."))
        if self.mode == "buy" and not self.confirm_purchase:
            raise UserError(self.env._("Buying a number costs money every month: tick the confirmation first."))
        existing = self.env["crm.phone.line"].with_context(active_test=False).search(
            [("number", "=", chosen.phone_number), ("company_id", "=", self.company_id.id)], limit=1)
        if existing:
            raise UserError(self.env._("%(number)s is already connected to the line %(line)s.",
                                       number=chosen.phone_number, line=existing.display_name))
        base_url = self.env["crm.phone.line"].get_base_url()
        twilio = self._twilio_api()
        number_sid = False
        try:
            if self.mode == "existing":
                # The number as the account has it now, not as the form sent it back.
                owned = {number["phone_number"]: number for number in twilio.list_incoming_numbers()}
                if chosen.phone_number not in owned:
                    raise UserError(self.env._("%s is no longer a number of this Twilio account.",
                                               chosen.phone_number))
                number_sid = owned[chosen.phone_number]["sid"]
            # The line first, checked to the database (a number connected twice, a salesperson
            # of another company): Twilio is changed only once the Odoo side is known to hold.
            line = self.env["crm.phone.line"].create({
                "name": self.name or chosen.phone_number,
                "number": chosen.phone_number,
                "forward_to": self.forward_to,
                "twilio_number_sid": number_sid,
                "user_id": self.user_id.id,
                "company_id": self.company_id.id,
            })
            line.flush_recordset()
            if self.mode == "buy":
                line.twilio_number_sid = twilio.buy_number(
                    chosen.phone_number, base_url, friendly_name=self.name)
            else:
                twilio.configure_number(number_sid, base_url)
        except twilio_api.TwilioError as error:
            raise UserError(self._explain(error)) from error
        return {"type": "ir.actions.act_window", "res_model": "crm.phone.line", "res_id": line.id,
                "view_mode": "form", "target": "current"}


class CrmPhoneLineConnectNumber(models.TransientModel):
    _name = "crm.phone.line.connect.number"
    _description = "Phone Number Offered by the Connection Wizard"
    _rec_name = "phone_number"

    wizard_id = fields.Many2one("crm.phone.line.connect", required=True, ondelete="cascade")
    kind = fields.Selection([("owned", "In the account"), ("available", "For sale")], required=True)
    sid = fields.Char()
    phone_number = fields.Char(required=True)
    friendly_name = fields.Char()
    location = fields.Char()
    current_voice_url = fields.Char("Calls Go To")
    selected = fields.Boolean()
    number_formatted = fields.Char("Number", compute="_compute_number_formatted")

    @api.depends("phone_number")
    def _compute_number_formatted(self):
        for number in self:
            # As a line of the wizard's company shows it.
            number.number_formatted = self.env["crm.phone.line"].with_company(
                number.wizard_id.company_id)._format_number(number.phone_number)
