import logging
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import twilio_api
from .crm_call_log import CALL_OUTCOMES, RESPONSE_WINDOW, format_duration

_logger = logging.getLogger(__name__)

# How long Twilio rings the salesperson's phone, then the caller's.
CALL_BACK_RING_SECONDS = 25
# A call-back still ringing this long after it was placed is no obstacle to a new one.
CALL_BACK_IN_PROGRESS = timedelta(minutes=2)


class CrmCallLogCallBack(models.Model):
    """Calling a caller back from the business number: Twilio rings the salesperson's
    phone first, then, once answered, dials the caller with the line's number as caller
    ID. The call-back is a call log of its own (direction outbound) that answers the
    missed call; its webhooks carry the log's id and are signed like the others."""
    _inherit = "crm.call.log"

    direction = fields.Selection(
        [("inbound", "Incoming"), ("outbound", "Call-Back")], required=True, default="inbound", index=True,
        help="Incoming: a call to one of the lines. Call-back: a call placed from Odoo through a line, "
             "ringing the salesperson first.")
    callback_of_id = fields.Many2one(
        "crm.call.log", "Calls Back", index="btree_not_null", ondelete="set null", check_company=True,
        help="The missed call this call-back answers.")
    callback_ids = fields.One2many("crm.call.log", "callback_of_id", "Call-Backs")
    callback_user_id = fields.Many2one("res.users", "Called Back By", check_company=True)
    agent_answered_at = fields.Datetime(
        "Salesperson Answered At", help="When the salesperson took the call-back and the caller's phone began to ring.")

    # ------------------------------------------------------------
    # Placing a call-back
    # ------------------------------------------------------------

    def _call_back_possible(self):
        """Whether Twilio can place a call-back from this call's line."""
        self.ensure_one()
        account_sid, auth_token = self.company_id._twilio_credentials()
        return bool(account_sid and auth_token and self.line_id.active and self._caller_e164())

    @api.model
    def _place_call_back(self, line, number, user, callback_of=None, lead=None, partner=None):
        """Ring ``user``'s phone from ``line``; once answered, dial ``number``. The call-back
        is logged first (and checked to the database), then Twilio is asked; a call-back
        of the same number still ringing is never placed twice."""
        agent_phone = user._missed_call_phone(line)
        if not agent_phone:
            raise UserError(self.env._(
                "Twilio rings your phone first: set your phone number in your preferences (Missed Calls)."))
        ringing = self.search_count([
            ("company_id", "=", line.company_id.id), ("direction", "=", "outbound"), ("from_number", "=", number),
            ("status", "=", "ringing"), ("create_date", ">=", fields.Datetime.now() - CALL_BACK_IN_PROGRESS),
        ], limit=1)
        if ringing:
            raise UserError(self.env._("A call-back to %s is already ringing.", line._format_number(number)))
        log = self._log_call_back(line, number, user, callback_of=callback_of, lead=lead, partner=partner)
        log.flush_recordset()
        base_url = log.get_base_url()
        query = urlencode({"log": log.id})
        try:
            sid = line.company_id._twilio_api().place_call(
                to=agent_phone, from_=line.number,
                answer_url=f"{base_url}/missed_call/twilio/callback_answer?{query}",
                status_callback=f"{base_url}/missed_call/twilio/callback_status?{query}",
                timeout=CALL_BACK_RING_SECONDS)
        except twilio_api.TwilioError as error:
            raise UserError(self.env._("The call-back could not be placed: %s", error.describe(self.env))) from error
        log.call_sid = sid
        return log, agent_phone

    @api.model
    def _log_call_back(self, line, number, user, callback_of=None, lead=None, partner=None, **values):
        """The call log of a call-back of ``number`` by ``user`` through ``line``, ringing."""
        return self.create({
            "call_sid": f"CA{uuid.uuid4().hex}",  # until Twilio gives the call's own SID
            "direction": "outbound",
            "line_id": line.id,
            "from_number": number,
            "to_number": line.number,
            "callback_of_id": callback_of.id if callback_of else False,
            "callback_user_id": user.id,
            "user_id": user.id,
            "partner_id": (partner or (callback_of and callback_of.partner_id) or self.env["res.partner"]).id,
            "lead_id": (lead or (callback_of and callback_of.lead_id) or self.env["crm.lead"]).id,
            "crm_synced": True,  # a call-back makes no contact nor lead
            **values,
        })

    # ------------------------------------------------------------
    # Its webhooks (called by the controller, as superuser, for the companies whose
    # Auth Token signed the request; ``log_id`` comes from the signed URL)
    # ------------------------------------------------------------

    @api.model
    def _twilio_call_back(self, companies, log_id, params):
        """The call-back ``log_id`` of ``companies``, or an empty recordset."""
        log = self.search([("id", "=", log_id), ("direction", "=", "outbound"),
                           ("company_id", "in", companies.ids)], limit=1)
        if log and params.get("CallSid") and log.call_sid != params["CallSid"] and log.status == "ringing":
            log.call_sid = params["CallSid"]  # the process that placed it died before writing it
        return log._check_fresh()

    def _twilio_call_back_answered(self):
        """The salesperson answered: (announcement, caller ID, number to dial), or None when
        the call-back is over already (a replay)."""
        self.ensure_one()
        if self.status != "ringing":
            return None
        if not self.agent_answered_at:
            self.agent_answered_at = fields.Datetime.now()
        caller = self.partner_id.name if self.partner_id and not self.partner_id.name.startswith("+") \
            else " ".join(self.from_number)
        announcement = self.env._("Calling back %(caller)s for %(line)s.", caller=caller, line=self.line_id.name)
        return announcement, self.line_id.number, self.from_number

    def _twilio_call_back_dialed(self, dial_status, duration):
        """The caller's phone was dialed: record the outcome once, and the call-back of
        their missed calls (when their phone rang); an answered call-back closes the
        call-back activity."""
        self.ensure_one()
        if self.status != "ringing":
            return
        status, reason = CALL_OUTCOMES[dial_status]
        self.write({"status": status, "missed_reason": reason, "duration": duration if status == "answered" else 0})
        rang = dial_status != "failed"
        if rang:
            self._answered_missed_calls()._mark_called_back(self.agent_answered_at or self.call_start)
        if status == "answered":
            self._close_call_back_activity()
        self._post_call_back()

    def _twilio_call_back_ended(self, call_status):
        """The salesperson's own leg ended: when they never answered, say so."""
        self.ensure_one()
        if self.status == "ringing" and call_status in ("no-answer", "busy", "failed", "canceled"):
            self.write({"status": "missed", "missed_reason": "agent_no_answer"})
            self._post_call_back()

    def _answered_missed_calls(self):
        """The missed calls this call-back answers: the one it was placed for, and the
        other unanswered ones of the number in the day before."""
        self.ensure_one()
        return self.search([
            ("company_id", "=", self.company_id.id), ("direction", "=", "inbound"), ("status", "=", "missed"),
            ("from_number", "=", self.from_number), ("called_back_at", "=", False),
            ("call_start", ">=", self.call_start - RESPONSE_WINDOW), ("call_start", "<=", self.call_start),
        ]) | self.callback_of_id.filtered(lambda log: log.status == "missed" and not log.called_back_at)

    def _close_call_back_activity(self):
        call_type = self.env.ref("mail.mail_activity_data_call")
        activities = self.lead_id.activity_ids.filtered(lambda activity: activity.activity_type_id == call_type)
        if activities:
            activities.action_feedback(feedback=self.env._(
                "Called back from %(line)s (%(duration)s).", line=self.line_id.name,
                duration=format_duration(self.env, self.duration)))

    def _post_call_back(self):
        """The call-back's outcome in the lead's chatter (or the contact's)."""
        target = self.lead_id or self.partner_id
        if not target:
            return
        who = self.callback_user_id.name or self.env._("Somebody")
        if self.status == "answered":
            what = self.env._("answered, %s", format_duration(self.env, self.duration))
        else:
            reasons = dict(self._fields["missed_reason"]._description_selection(self.env))
            what = reasons.get(self.missed_reason, "").lower()
        target.message_post(
            body=Markup("<p>%s</p>") % self.env._(
                "%(who)s called back %(number)s from %(line)s: %(what)s.",
                who=who, number=self.caller_display, line=self.line_id.name, what=what),
            message_type="comment", subtype_xmlid="mail.mt_note")
