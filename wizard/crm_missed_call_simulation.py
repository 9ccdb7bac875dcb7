import random
import uuid

import requests
from lxml import etree
from twilio.request_validator import RequestValidator

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.crm_call_log import MISSED_REASONS

# Seconds to wait for this Odoo to answer the simulated webhook.
WEBHOOK_TIMEOUT = 30
# How the forwarded phone's ringing can end, as Twilio's DialCallStatus says it.
SIMULATED_OUTCOMES = [
    (reason, label) for reason, label in MISSED_REASONS if reason in ("no-answer", "busy", "canceled")
]


class CrmMissedCallSimulation(models.TransientModel):
    """Plays a missed call on a line as Twilio would, through this database's real
    webhooks and signed with the company's Auth Token, while the Twilio API base URL
    points at a sandbox: the whole flow without a Twilio account or a real text."""
    _name = "crm.missed.call.simulation"
    _description = "Simulate a Missed Call"

    line_id = fields.Many2one("crm.phone.line", required=True, ondelete="cascade")
    caller_number = fields.Char(
        required=True, default=lambda self: f"+1415555{random.randint(150, 199):04d}",
        help="Who calls. The default is a fictional US number (555-01XX).")
    outcome = fields.Selection(
        SIMULATED_OUTCOMES, string="How the Call Ends", required=True, default="no-answer")
    sandbox_url = fields.Char(compute="_compute_sandbox_url", string="Twilio API Sandbox")

    @api.depends("line_id")
    def _compute_sandbox_url(self):
        for wizard in self:
            wizard.sandbox_url = self.env["res.company"]._twilio_sandbox_url()

    def action_simulate(self):
        self.ensure_one()
        line = self.line_id
        if not self.env["res.company"]._twilio_sandbox_url():
            raise UserError(self.env._(
                "Simulating a missed call would send a real text through Twilio. It is available only "
                "while the Twilio API base URL (system parameter %s) points at a sandbox.",
                "crm_missed_call_textback.twilio_api_base_url"))
        account_sid, auth_token = line.company_id._twilio_credentials()
        if not account_sid or not auth_token:
            raise UserError(self.env._(
                "Set the Twilio Account SID and Auth Token of %s first (CRM settings).", line.company_id.name))
        caller = line._phone_format(number=self.caller_number, country=line.company_id.country_id)
        if not caller:
            raise UserError(self.env._("%s is not a phone number.", self.caller_number))
        params = {
            "AccountSid": account_sid,
            "CallSid": f"CA{uuid.uuid4().hex}",
            "From": caller,
            "To": line.number,
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        # As Twilio: the line's voice URL, then the <Dial> action its answer names.
        answer = etree.fromstring(self._post_webhook(line.voice_webhook_url, dict(params, CallStatus="ringing")))
        dial = answer.find("Dial")
        if dial is None:
            raise UserError(self.env._("This Odoo did not put the call through to %s: is the line active?", line.name))
        self._post_webhook(dial.get("action"), dict(
            params, CallStatus="in-progress", DialCallStatus=self.outcome, DialCallDuration="0"))
        # The webhooks committed the call after this transaction began: read it in a new one.
        with self.env.registry.cursor() as cr:
            log = self.env(cr=cr, su=True)["crm.call.log"].search([("call_sid", "=", params["CallSid"])])
            # Show the whole result at once: the CRM cron would do this within seconds.
            log._lock_rows_not_held()._crm_sync_locked()
            log_id = log.id
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.call.log",
            "res_id": log_id,
            "view_mode": "form",
        }

    def _post_webhook(self, url, params):
        """POST ``params`` to this database's webhook ``url`` (its public address) as
        Twilio does, signed with the company's Auth Token; return the answer's body."""
        auth_token = self.line_id.company_id._twilio_credentials()[1]
        signature = RequestValidator(auth_token).compute_signature(url, params)
        try:
            response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature},
                                     timeout=WEBHOOK_TIMEOUT)
        except requests.RequestException as error:
            if isinstance(error, requests.Timeout):
                reason = self.env._("it did not answer within %s seconds", WEBHOOK_TIMEOUT)
            elif isinstance(error, requests.exceptions.SSLError):
                reason = self.env._("the secure connection failed")
            else:
                reason = self.env._("no server answered at that address")
            raise UserError(self.env._(
                "Could not reach this Odoo at %(url)s, where Twilio would send the call: %(reason)s. Check the "
                "web.base.url system parameter (and, with several databases, dbfilter).",
                url=url, reason=reason)) from None
        if response.status_code != 200:
            if response.status_code == 403:
                advice = self.env._(
                    "it refused the call's signature. Twilio signs the address in web.base.url: it must be the "
                    "address this Odoo receives (behind a proxy, start Odoo with --proxy-mode).")
            elif response.status_code == 404:
                advice = self.env._(
                    "there is no such page. Check that web.base.url leads to this database (with several "
                    "databases, dbfilter).")
            else:
                advice = self.env._("it answered with error %s. The server log says why.", response.status_code)
            raise UserError(self.env._("The simulated call did not reach Odoo at %(url)s: %(advice)s",
                                       url=url, advice=advice))
        return response.content
