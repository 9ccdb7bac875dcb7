import logging

from odoo import api, fields, models

from ..tools import twilio_api

_logger = logging.getLogger(__name__)

# Twilio's message statuses as Odoo's SMS states (sms.sms, and the chatter's notifications).
TWILIO_TO_SMS_STATE = {
    "accepted": "process",
    "scheduled": "process",
    "queued": "process",
    "sending": "process",
    "sent": "pending",
    "delivered": "sent",
    "read": "sent",
    "undelivered": "error",
    "failed": "error",
    "canceled": "canceled",
}
# Twilio's error codes as Odoo's SMS failure types.
TWILIO_TO_SMS_FAILURE = {
    "21211": "sms_number_format", "21614": "sms_number_format", "30006": "sms_number_format",
    "30005": "sms_number_format", "21610": "sms_blacklist", "30004": "sms_blacklist",
    "21408": "sms_country_not_supported", "30034": "sms_registration_needed", "20003": "sms_acc",
}

# sms.sms failure types that the chatter's notifications name otherwise.
NOTIFICATION_FAILURE = {"sms_blacklist": "sms_not_allowed", "sms_optout": "sms_not_allowed"}


class SmsSms(models.Model):
    """Odoo's SMS through the company's Twilio account, from one of its lines: the line
    the recipient last called or texted, else the company's default line. Where Odoo's
    own Twilio SMS (sms_twilio, Odoo 19) sends for the company, it does, and the add-on
    only chooses the line (res.company._get_sms_api_class). Companies without Twilio
    keep Odoo's route."""
    _inherit = "sms.sms"

    missed_call_line_id = fields.Many2one("crm.phone.line", "Sent From Line", index="btree_not_null")
    twilio_sid = fields.Char("Twilio Message SID", index="btree_not_null", copy=False)
    missed_call_alert = fields.Boolean(
        "Missed-Call Alert", index="btree_not_null", help="A text to a salesperson about a missed call.")
    twilio_maybe_sent = fields.Boolean(
        copy=False, help="An attempt may have reached Twilio: the next one asks Twilio whether the text exists.")

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        through_twilio = self.filtered(lambda sms: sms._missed_call_twilio_company())
        others = self - through_twilio
        result = None
        if others:
            result = super(SmsSms, others)._send(
                unlink_failed=unlink_failed, unlink_sent=unlink_sent, raise_exception=raise_exception)
        for sms in through_twilio:
            sms._send_through_twilio(unlink_failed=unlink_failed, unlink_sent=unlink_sent)
        return result

    def _get_sms_company(self):
        # Odoo 19: the company whose account sends an SMS of a line (an alert) is the line's.
        if len(self) == 1 and self.missed_call_line_id:
            return self.missed_call_line_id.company_id
        return super()._get_sms_company()

    def _missed_call_company(self):
        self.ensure_one()
        return (self.missed_call_line_id.company_id or self.mail_message_id.record_company_id
                or self.env.company)

    def _missed_call_twilio_company(self):
        """The company whose Twilio account sends this SMS through this add-on, or nothing.
        Alerts of missed calls always go from their line, whatever sends the company's other SMS."""
        company = self._missed_call_company()
        if self.missed_call_alert and self.missed_call_line_id:
            account_sid, auth_token = company._twilio_credentials()
            return company if account_sid and auth_token else self.env["res.company"]
        return company if company._missed_call_sends_sms() else self.env["res.company"]

    def _send_through_twilio(self, unlink_failed=False, unlink_sent=True):
        """One attempt, exactly once as a text-back is (see crm.call.log._textback_send):
        committed as possibly sent first when the caller commits (``missed_call_sms_commit``
        in the context: crons), the recipient checked again under his row (an opt-out takes
        it too), Twilio asked first when an earlier attempt may have sent it."""
        self.ensure_one()
        commit = bool(self.env.context.get("missed_call_sms_commit"))
        company = self._missed_call_company()
        number = self._phone_format(number=self.number or "", country=company.country_id, force_format="E164")
        if not number:
            return self._twilio_failed("sms_number_format", unlink_failed)
        line = self.missed_call_line_id or company._missed_call_sender_line(number)
        if not line:
            return self._twilio_failed("sms_acc", unlink_failed, self.env._("The company has no phone line."))
        maybe_sent_before = self.twilio_maybe_sent
        if commit:
            self.write({"twilio_maybe_sent": True, "missed_call_line_id": line.id})
            # The mark must outlive a crash.
            self.env.cr.commit()  # pylint: disable=invalid-commit
            # Held until the answer is written: a status callback of this text waits for it.
            self.env.cr.execute("SELECT id FROM sms_sms WHERE id = %s FOR UPDATE", [self.id], log_exceptions=False)
            self.invalidate_recordset()
            if self.state != "outgoing":
                return False
        self.env["crm.caller"]._lock(company, {number: fields.Datetime.now()})
        if self.env["phone.blacklist"]._missed_call_opted_out(number):
            return self._twilio_failed("sms_blacklist", unlink_failed)
        try:
            twilio = company._twilio_api()
            message = {"to": number, "from_": line.number, "body": self.body or ""}
            found = maybe_sent_before and twilio.find_sent_message(
                **message, sent_after=fields.Datetime.context_timestamp(self, self.create_date))
            # An alert asks for no delivery receipts: two requests to Odoo per missed call
            # that nobody reads (the alert is gone once sent). Twilio's refusal still shows.
            sid, status = found or twilio.send_message(
                **message, status_callback=not self.missed_call_alert and self._twilio_status_url(line),
                messaging_service_sid=line.messaging_service_sid or None)
        except twilio_api.TwilioError as error:
            failure = TWILIO_TO_SMS_FAILURE.get(str(error.code or ""), "sms_server")
            if failure == "sms_blacklist":
                self.env["phone.blacklist"].sudo()._add([number])
            self.twilio_maybe_sent = maybe_sent_before or error.ambiguous
            return self._twilio_failed(failure, unlink_failed, error.describe(self.env))
        state = TWILIO_TO_SMS_STATE.get(status, "pending")
        if state == "process":
            state = "pending"  # accepted by Twilio: sent, as Odoo says of a text its provider took
        self.write({"twilio_sid": sid, "twilio_maybe_sent": False, "missed_call_line_id": line.id, "state": state,
                    "failure_type": False, "to_delete": unlink_sent})
        self.sms_tracker_id._action_update_from_sms_state(state)
        self.mail_message_id._notify_message_notification_update()
        if commit:
            # The SID is the proof it was sent.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    def _twilio_failed(self, failure_type, unlink_failed, reason=False):
        self.write({"state": "error", "failure_type": failure_type, "to_delete": unlink_failed})
        if failure_type == "sms_blacklist" and not reason:
            reason = self.env._("The recipient opted out (STOP).")
        self.sms_tracker_id._action_update_from_sms_state(
            "error", failure_type=NOTIFICATION_FAILURE.get(failure_type, failure_type), failure_reason=reason)
        self.mail_message_id._notify_message_notification_update()
        _logger.info("SMS %s to %s not sent through Twilio: %s %s", self.id, self.number, failure_type, reason or "")
        return False

    def _twilio_status_url(self, line):
        return f"{line.get_base_url()}/missed_call/twilio/sms_status?sms={self.uuid}"

    @api.model
    def _twilio_sms_status(self, companies, sms_uuid, status, error_code=None):
        """A status callback of Twilio for the SMS ``sms_uuid`` of ``companies`` (the SMS may
        be gone once sent, its tracker stays): Odoo's SMS state, never moving back."""
        state = TWILIO_TO_SMS_STATE.get(status)
        if not state or state == "process":
            return
        sms = self.search([("uuid", "=", sms_uuid)], limit=1)
        tracker = self.env["sms.tracker"].search([("sms_uuid", "=", sms_uuid)], limit=1)
        message = sms.mail_message_id or tracker.mail_notification_id.mail_message_id
        company = sms.missed_call_line_id.company_id or message.record_company_id
        if company and company not in companies:
            return  # another company's SMS: its own account reports it
        failure = state == "error" and TWILIO_TO_SMS_FAILURE.get(str(error_code or "")) or False
        if tracker:
            tracker._action_update_from_sms_state(state, failure_type=state == "error" and (
                NOTIFICATION_FAILURE.get(failure, failure) or "sms_not_delivered") or False)
            message._notify_message_notification_update()
        rank = {"outgoing": 0, "process": 1, "pending": 2, "sent": 3, "error": 3, "canceled": 3}
        if sms and rank[state] > rank.get(sms.state, 0):
            sms.write({"state": state, "failure_type": state == "error" and (failure or "unknown") or False})
