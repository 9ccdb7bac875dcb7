import logging
import random
from datetime import timedelta
from urllib.parse import urlencode

import pytz
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from ..tools import twilio_api
from ..tools.odoo_compat import Constraint

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

CALL_STATUSES = [("ringing", "Ringing"), ("answered", "Answered"), ("missed", "Missed")]
MISSED_REASONS = [
    ("no-answer", "No answer"),
    ("busy", "Busy"),
    ("failed", "Failed"),
    ("canceled", "Caller hung up"),
    ("voicemail", "Voicemail answered"),
    ("agent_no_answer", "Salesperson's phone did not answer"),
]
TEXTBACK_STATES = [
    ("none", "None"),
    ("skipped", "Skipped"),
    ("outgoing", "To Send"),
    ("queued", "Accepted by Twilio"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("undelivered", "Undelivered"),
    ("failed", "Failed"),
]
TEXTBACK_SKIP_REASONS = [
    ("withheld", "Caller ID withheld"),
    ("invalid_number", "Not a phone number (short code or invalid)"),
    ("own_number", "Call from one of our lines"),
    ("blacklisted", "Number opted out"),
    ("unreachable", "Number cannot receive texts"),
    ("landline", "Landline (Twilio Lookup)"),
    ("cooldown", "Already texted recently"),
    ("no_template", "No template on the line"),
]
# What Twilio sends as From when the caller hides their number: words, their
# keypad spelling (ANONYMOUS, RESTRICTED, UNKNOWN, BLOCKED, UNAVAILABLE), or nothing.
WITHHELD_CALLER_IDS = frozenset({
    "anonymous", "restricted", "unavailable", "unknown", "private", "blocked", "withheld",
    "+266696687", "+7378742833", "+8656696", "+2562533", "+86282452253",
})

# The merge fields of text-back templates, and what each one gives.
MERGE_FIELDS = {
    "object.caller_first_name": _lt("The caller's first name; “there” for a caller not known by name"),
    "object.company_id.name": _lt("Your company's name"),
    "object.line_id.name": _lt("The name of the line they called"),
    "object.line_id.booking_url": _lt("The line's booking link"),
    "object.user_id.name": _lt("The salesperson who will call back"),
    "object.next_opening_text": _lt("After hours: when you open again, e.g. “tomorrow at 8:00 AM”"),
    "object.from_number": _lt("The caller's number"),
}

# What a call is and what was texted: never changed by a user (see write).
FIXED_FIELDS = frozenset({
    "call_sid", "line_id", "company_id", "from_number", "to_number", "call_start", "status", "textback_body",
    "textback_sid", "textback_state", "textback_template_id", "textback_attempts", "textback_next_try",
})

# Fields of the processing, not of the call: debug mode only (see fields_get and the views).
TECHNICAL_FIELDS = (
    "call_sid", "textback_sid", "textback_sent", "textback_attempts", "textback_next_try", "textback_ambiguous",
    "routed_by_dial", "screen_accepted", "crm_synced", "to_number", "from_number", "next_opening_text",
    "textback_body", "textback_error", "responded_at", "voicemail_recording_sid", "voicemail_attachment_id",
    "voicemail_transcription", "voicemail_error", "voicemail_attempts", "voicemail_next_try",
    "voicemail_transcription_posted", "agent_answered_at",
)

WEEKDAYS = [("0", "Monday"), ("1", "Tuesday"), ("2", "Wednesday"), ("3", "Thursday"), ("4", "Friday"),
            ("5", "Saturday"), ("6", "Sunday")]
# The 5-minute rule.
CALL_BACK_TARGET_SECONDS = 300
# A missed call is news for the salesperson this long after it.
NOTIFICATION_FRESHNESS = timedelta(minutes=15)
# A reply, or an answered call from the same number, this soon after a missed call answers it.
RESPONSE_WINDOW = timedelta(hours=24)

# Outcome of a <Dial> (DialCallStatus) or of a whole call (CallStatus).
CALL_OUTCOMES = {
    "completed": ("answered", False),
    "answered": ("answered", False),
    "no-answer": ("missed", "no-answer"),
    "busy": ("missed", "busy"),
    "failed": ("missed", "failed"),
    "canceled": ("missed", "canceled"),
}
# CallStatus values that say the call is not over yet.
CALL_IN_PROGRESS_STATUSES = frozenset({"queued", "initiated", "ringing", "in-progress"})

# Twilio message status -> text-back state. Statuses missing here (inbound ones) change nothing.
TWILIO_MESSAGE_STATES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "partially_delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
# A state only ever moves to a higher rank: a late "sent" never undoes "delivered".
TEXTBACK_STATE_RANK = {
    "none": 0, "skipped": 0, "outgoing": 1, "queued": 2, "sent": 3, "delivered": 4, "undelivered": 4, "failed": 4,
}
# Where a text-back's state may go from each state; _textback_set_state is the one place
# that changes it. "outgoing": ours to send (first attempt, or a retry waiting);
# "queued": Twilio accepted it (it has a SID); then Twilio's statuses.
TEXTBACK_TRANSITIONS = {
    "none": {"skipped", "outgoing", "failed"},
    "outgoing": {"skipped", "queued", "sent", "delivered", "undelivered", "failed"},
    "queued": {"sent", "delivered", "undelivered", "failed"},
    "sent": {"delivered", "undelivered", "failed"},
    "failed": {"outgoing"},  # sent again (the Retry button)
    "skipped": set(),
    "delivered": set(),
    "undelivered": set(),
}

# Seconds before each new try of a text-back that failed for a transient reason.
RETRY_DELAYS = (30, 60, 120, 300, 900, 1800)
MAX_SEND_ATTEMPTS = len(RETRY_DELAYS) + 1
# While one process sends, nobody else does: the cron waits this long before taking over.
# An attempt asks Twilio at most twice (the list of sent texts, then the send), each for at most
# twilio_api.REQUEST_TIMEOUT seconds: the lease outlasts both, with room for the database.
SEND_LEASE = timedelta(seconds=45)


# A genuine webhook about a call arrives while the call lasts (4 hours at most on
# Twilio); a status callback of a text within days. Older deliveries are replays.
CALL_WEBHOOK_WINDOW = timedelta(hours=6)
MESSAGE_STATUS_WINDOW = timedelta(days=7)


def format_duration(env, seconds):
    """'45 s', '3 min 12 s', '15 min', '2 h 5 min', as people read a duration."""
    seconds = max(int(seconds or 0), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return env._("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes) if minutes \
            else env._("%s h", hours)
    if minutes:
        return env._("%(minutes)s min %(seconds)s s", minutes=minutes, seconds=seconds) if seconds \
            else env._("%s min", minutes)
    return env._("%s s", seconds)


class TwilioReplayExpired(Exception):
    """A validly signed webhook about a call or text too old to be a genuine delivery."""


def twilio_seconds(value):
    """A duration Twilio sent as text; anything that is not a count of seconds is 0."""
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


class CrmCallLog(models.Model):
    """One inbound call to a phone line, answered or missed, and its text-back."""
    _name = "crm.call.log"
    _description = "Call Log"
    _order = "call_start desc, id desc"
    _rec_name = "from_number"
    _check_company_auto = True

    call_sid = fields.Char("Call SID", required=True, readonly=True, copy=False)
    line_id = fields.Many2one("crm.phone.line", required=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(
        "res.company", related="line_id.company_id", store=True, index=True, precompute=True)
    user_id = fields.Many2one(
        "res.users", "Salesperson", compute="_compute_user_id", store=True, precompute=True,
        readonly=False, index=True)
    from_number = fields.Char(
        "Caller", index=True,  # a caller's earlier calls and replies are found by their number
        help="The caller's number as Twilio gave it (E.164 when known).")
    to_number = fields.Char("Called Number")
    call_start = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    duration = fields.Integer("Duration (s)", help="Seconds of conversation; 0 for a missed call.")
    status = fields.Selection(CALL_STATUSES, required=True, default="ringing", index=True)
    missed_reason = fields.Selection(MISSED_REASONS)
    after_hours = fields.Boolean(help="The call came outside the line's business hours.")
    textback_state = fields.Selection(
        TEXTBACK_STATES, "Text-Back", required=True, default="none", index=True)
    textback_skip_reason = fields.Selection(TEXTBACK_SKIP_REASONS, "Text-Back Skipped Because")
    textback_template_id = fields.Many2one("crm.textback.template", "Text-Back Template", check_company=True)
    textback_sid = fields.Char("Message SID", copy=False, index="btree_not_null")
    textback_sent = fields.Boolean(
        "Text Accepted by Twilio", compute="_compute_textback_sent", store=True,
        help="Twilio accepted the text-back (it has a message SID).")
    textback_body = fields.Text("Text-Back Message")
    textback_error = fields.Char("Text-Back Error")
    textback_attempts = fields.Integer("Send Attempts")
    textback_next_try = fields.Datetime("Next Send Attempt", index="btree_not_null")
    textback_ambiguous = fields.Boolean(
        "Maybe Sent",
        help="An attempt failed after the request may have reached Twilio: the next "
             "attempt asks Twilio whether the text exists before sending it again.")
    next_opening_text = fields.Char(help="When the business opens again, in words, for after-hours texts.")
    partner_id = fields.Many2one("res.partner", "Contact", index="btree_not_null", check_company=True)
    lead_id = fields.Many2one("crm.lead", index="btree_not_null", ondelete="set null", check_company=True)
    lead_readable = fields.Boolean(
        compute="_compute_lead_readable",
        help="The user may open the call's lead (a salesperson sees his own leads and the unassigned ones).")
    routed_by_dial = fields.Boolean(
        help="The call rang through this add-on's <Dial>: its outcome comes from the dial status, "
             "since the call itself always ends 'completed'.")
    screen_accepted = fields.Boolean(
        "Taken After Screening", help="Somebody pressed 1 on the answered phone (call screening).")
    responded = fields.Boolean(
        index=True, help="The caller texted back, or called again and was answered, within 24 hours.")
    responded_at = fields.Datetime()
    called_back_at = fields.Datetime(
        help="When the salesperson marked the lead's call-back done, or an answered call from the number followed.")
    callback_seconds = fields.Integer("Seconds to Call Back", aggregator="avg")
    called_back_in_time = fields.Boolean(
        "Called Back Within 5 Minutes", help="The 5-minute rule: leads called back this fast convert best.")
    call_hour = fields.Integer(
        "Hour", compute="_compute_call_local_time", store=True, aggregator=False,
        help="Hour of the call in the line's timezone.")
    call_weekday = fields.Selection(
        WEEKDAYS, "Weekday", compute="_compute_call_local_time", store=True,
        help="Day of the call in the line's timezone.")
    lead_outcome = fields.Selection(
        [("open", "Open"), ("won", "Won"), ("lost", "Lost")], compute="_compute_lead_outcome", store=True)
    lead_revenue_won = fields.Monetary(
        "Revenue Won", compute="_compute_lead_outcome", store=True,
        help="Expected revenue of the call's lead once won: the money missed calls brought back.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    crm_synced = fields.Boolean(
        "CRM Updated", help="The contact, lead and call-back activity of this missed call are done.")
    caller_first_name = fields.Char(compute="_compute_caller_first_name")
    # As people read them: the caller's number formatted, durations in minutes and seconds.
    caller_display = fields.Char("Caller Number", compute="_compute_caller_display")
    duration_display = fields.Char("Duration", compute="_compute_durations_display")
    callback_delay_display = fields.Char("Called Back After", compute="_compute_durations_display")

    _call_sid_uniq = Constraint("unique(call_sid)", "A call is logged once: this Call SID exists already.")

    @api.depends("line_id")
    def _compute_user_id(self):
        for log in self:
            log.user_id = log.line_id.user_id

    @api.depends("textback_sid")
    def _compute_textback_sent(self):
        for log in self:
            log.textback_sent = bool(log.textback_sid)

    @api.depends("from_number")
    def _compute_caller_display(self):
        for log in self:
            number = log._caller_e164()
            log.caller_display = log.line_id._format_number(number) or log.from_number or self.env._("Unknown caller")

    @api.depends("duration", "callback_seconds", "status", "called_back_at")
    def _compute_durations_display(self):
        for log in self:
            log.duration_display = log.status == "answered" and format_duration(self.env, log.duration)
            log.callback_delay_display = log.called_back_at and format_duration(self.env, log.callback_seconds)

    @api.depends("lead_id")
    @api.depends_context("uid")
    def _compute_lead_readable(self):
        readable = self.lead_id._filtered_access("read")
        for log in self:
            log.lead_readable = bool(log.lead_id) and log.lead_id in readable

    @api.depends("partner_id.name", "from_number")
    def _compute_caller_first_name(self):
        for log in self:
            name = (log.partner_id.name or "").strip()
            # A contact created from a call is named after its number until somebody renames it.
            if not name or sum(char.isdigit() for char in name) >= 5:
                log.caller_first_name = self.env._("there")
            else:
                log.caller_first_name = name.split()[0]

    @api.depends("call_start", "line_id.calendar_id.tz")
    def _compute_call_local_time(self):
        for log in self:
            if not log.call_start or not log.line_id:
                log.call_hour, log.call_weekday = 0, False
                continue
            local = pytz.utc.localize(log.call_start).astimezone(log.line_id._calendar_tz())
            log.call_hour = local.hour
            log.call_weekday = str(local.weekday())

    @api.depends("lead_id.active", "lead_id.probability", "lead_id.expected_revenue")
    def _compute_lead_outcome(self):
        for log in self:
            lead = log.lead_id.with_context(active_test=False)
            if not lead:
                log.lead_outcome, log.lead_revenue_won = False, 0.0
            elif lead.active and lead.probability >= 100:
                log.lead_outcome, log.lead_revenue_won = "won", lead.expected_revenue
            else:
                log.lead_outcome, log.lead_revenue_won = ("open" if lead.active else "lost"), 0.0

    def write(self, vals):
        """A call is a fact: its identity, caller and text are written by the add-on alone
        (as superuser), never through the ORM by a user, whatever access rights he has."""
        if not self.env.su and vals.keys() & FIXED_FIELDS:
            raise AccessError(self.env._("The call, its caller and its text-back cannot be changed."))
        return super().write(vals)

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        """The technical fields (Twilio SIDs, send attempts, flags of the processing) are
        shown in debug mode only, and never offered in "Add Custom Group"."""
        result = super().fields_get(allfields, attributes)
        for fname in TECHNICAL_FIELDS:
            if "groupable" in result.get(fname, {}):
                result[fname]["groupable"] = False
        return result

    def mail_allowed_qweb_expressions(self):
        # The merge fields of text-back templates, and nothing else, for template authors
        # without Odoo's "Mail Template Editor" group (Odoo's own list would let HTML, such
        # as a signature, or records into a text).
        return tuple(MERGE_FIELDS)

    @api.depends("from_number", "line_id.name")
    def _compute_display_name(self):
        for log in self:
            log.display_name = self.env._(
                "%(number)s on %(line)s", number=log.caller_display, line=log.line_id.name or "")

    # ------------------------------------------------------------
    # Twilio webhooks (called by the controller, as superuser, for the
    # companies whose Auth Token signed the request)
    # ------------------------------------------------------------

    @api.model
    def _twilio_incoming_call(self, companies, params):
        """A call comes in: log it as ringing. Return the log, or an empty
        recordset when the called number is no line of ``companies``."""
        line = self.env["crm.phone.line"]._find_for_twilio(companies, params.get("To"))
        if not line:
            return self
        return self._find_or_create_call(line, params, routed_by_dial=True)._check_fresh()

    @api.model
    def _twilio_dial_status(self, companies, params, auto_commit=False):
        """The <Dial> of a call ended (action of the voice webhook's TwiML)."""
        return self._twilio_call_ended(
            companies, params, params["DialCallStatus"], params.get("DialCallDuration"),
            from_dial=True, auto_commit=auto_commit)

    @api.model
    def _twilio_call_status(self, companies, params, auto_commit=False):
        """The call ended (status callback of the number, which may be routed elsewhere)."""
        return self._twilio_call_ended(
            companies, params, params["CallStatus"], params.get("CallDuration"),
            from_dial=False, auto_commit=auto_commit)

    @api.model
    def _twilio_call_ended(self, companies, params, call_status, duration, from_dial, auto_commit):
        """Record that the call ``params['CallSid']`` ended with ``call_status``; a missed
        call gets its text-back and CRM update. Return the log (empty: no line of ours)."""
        status, reason = CALL_OUTCOMES[call_status]
        log = self.search([("call_sid", "=", params["CallSid"]), ("company_id", "in", companies.ids)], limit=1)
        log._check_fresh()
        if log.routed_by_dial and not from_dial and status == "answered":
            # The call status of a call we dialed says "completed" whether or not the
            # forwarded phone answered: only the dial status tells.
            return log
        if not log:
            line = self.env["crm.phone.line"]._find_for_twilio(companies, params.get("To"))
            if not line:
                return self
            log = self._find_or_create_call(line, params)
            if not log:
                return self
        if from_dial and status == "answered" and log.routed_by_dial and log.line_id.call_screening \
                and not log.screen_accepted:
            # Answered, but nobody pressed 1: a voicemail took the call.
            status, reason = "missed", "voicemail"
        log._record_outcome(status, reason, twilio_seconds(duration), auto_commit=auto_commit)
        return log

    @api.model
    def _twilio_screen_result(self, companies, call_sid, digits):
        """The answered phone pressed ``digits`` at the screening prompt of call
        ``call_sid``. Return whether the call is taken."""
        log = self.search([("call_sid", "=", call_sid), ("company_id", "in", companies.ids)], limit=1)
        log._check_fresh()
        taken = bool(log) and (digits or "").strip() == "1"
        if taken and log.status == "ringing":
            log.screen_accepted = True
        return taken

    def _screening_prompt(self):
        """What the answered phone hears when the line screens calls."""
        number = self._caller_e164()
        caller = " ".join(number) if number else self.env._("an unknown number")
        return self.env._("Call from %(caller)s on %(line)s. Press 1 to take it.",
                          caller=caller, line=self.line_id.name)

    @api.model
    def _twilio_screened_call(self, companies, call_sid):
        """The call being screened, or an empty recordset."""
        return self.search([("call_sid", "=", call_sid), ("company_id", "in", companies.ids)], limit=1)._check_fresh()

    @api.model
    def _twilio_message_status(self, companies, params, log_id=None):
        """Status callback of a text-back: move its state forward, never back. The callback's
        address names the log (``log_id``): a send still waiting for Twilio's answer holds the
        log's row, and the status waits for that answer. A status of a text whose sender died
        before writing Twilio's answer gives the text's SID. Without ``log_id`` (texts sent by
        an earlier version of the add-on), the log is found by the message's SID."""
        sid = params["MessageSid"]
        status = params.get("MessageStatus") or params.get("SmsStatus")
        error_code = params.get("ErrorCode")
        error_code = error_code if error_code and error_code.isdigit() and len(error_code) <= 6 else None
        if log_id:
            logs = self.search([("id", "=", log_id), ("company_id", "in", companies.ids)])._lock_rows()
        else:
            logs = self.search([("textback_sid", "=", sid), ("company_id", "in", companies.ids)])
        if logs and all(log.call_start < fields.Datetime.now() - MESSAGE_STATUS_WINDOW for log in logs):
            raise TwilioReplayExpired(f"message {sid} is older than {MESSAGE_STATUS_WINDOW}")
        if status not in TWILIO_MESSAGE_STATES:
            return logs
        # An attempt that may have sent the text died before Twilio's answer: this is its text.
        for log in logs.filtered(lambda log: log.textback_state == "outgoing" and log.textback_ambiguous):
            log._textback_accepted(sid, status)
        logs = logs.filtered(lambda log: log.textback_sid == sid)
        logs._apply_message_status(status, error_code)
        return logs

    def _apply_message_status(self, status, error_code=None):
        state = TWILIO_MESSAGE_STATES[status]
        for log in self:
            if TEXTBACK_STATE_RANK[state] <= TEXTBACK_STATE_RANK[log.textback_state]:
                continue
            vals = {}
            if state in ("undelivered", "failed"):
                vals["textback_error"] = self.env["crm.sms.unreachable"]._describe_error(error_code)
                self.env["crm.sms.unreachable"]._remember(log.from_number, error_code)
            log._textback_set_state(state, **vals)

    def _check_fresh(self):
        """Refuse a webhook about a call logged too long ago to be a genuine delivery."""
        for log in self:
            if log.create_date < fields.Datetime.now() - CALL_WEBHOOK_WINDOW:
                raise TwilioReplayExpired(f"call {log.call_sid} was logged at {log.create_date}")
        return self

    @api.model
    def _find_or_create_call(self, line, params, routed_by_dial=False):
        log = self.search([("call_sid", "=", params["CallSid"])], limit=1)
        if log:
            return log if log.company_id == line.company_id else self
        vals = {
            "call_sid": params["CallSid"],
            "routed_by_dial": routed_by_dial,
            "line_id": line.id,
            "from_number": self._normalize_caller_number(params.get("From"), line),
            "to_number": line.number,
        }
        try:
            with self.env.cr.savepoint():
                return self.create(vals)
        except pg_errors.UniqueViolation:
            # The same call is being logged by a concurrent delivery of this webhook,
            # which commits it and does the rest.
            _logger.info("Call %s is logged by a concurrent request", params["CallSid"])
            return self

    @api.model
    def _normalize_caller_number(self, number, line):
        """The caller's number in E.164 when it is a phone number, else as given (or False)."""
        if not number:
            return False
        number = number.strip()
        return self.browse()._phone_format(number=number, country=line.company_id.country_id) or number

    # ------------------------------------------------------------
    # Outcome of a call
    # ------------------------------------------------------------

    def _record_outcome(self, status, reason, duration, auto_commit=False):
        """Record how the call ended, once. A missed call is texted back first (the log
        committed before the API call), then the CRM is updated. Safe to call again."""
        self.ensure_one()
        send_now = False
        if self.status == "ringing":
            self.write({
                "status": status,
                "missed_reason": reason if status == "missed" else False,
                "duration": duration if status == "answered" else 0,
                # By the indexed sanitized number only: the CRM cron also matches the digits.
                "partner_id": self._find_caller_partner(by_digits=False).id,
            })
            if status == "missed":
                self._textback_queue()
                send_now = self.textback_state == "outgoing"
            else:
                # The caller called again and got through: that answers their missed calls.
                earlier = self._earlier_missed_calls()
                earlier._mark_responded(self.call_start)
                earlier._mark_called_back(self.call_start)
            self._commit(auto_commit)
        if send_now:
            self._textback_send(auto_commit=auto_commit)
        if self.status == "missed" and not self.crm_synced:
            # The caller has the text; the CRM work (contact, lead, chatter, activity) is
            # done by the CRM cron, woken up now, so the webhook answers Twilio at once.
            self.env.ref("crm_missed_call_textback.ir_cron_missed_call_crm")._trigger()

    def _mark_responded(self, when):
        for log in self.filtered(lambda log: not log.responded):
            log.write({"responded": True, "responded_at": when})

    def _mark_called_back(self, when):
        for log in self.filtered(lambda log: log.status == "missed" and not log.called_back_at):
            seconds = max(int((when - log.call_start).total_seconds()), 0)
            log.write({
                "called_back_at": when,
                "callback_seconds": seconds,
                "called_back_in_time": seconds <= CALL_BACK_TARGET_SECONDS,
            })

    def _earlier_missed_calls(self):
        """Missed calls from this caller to the company in the 24 hours before this call."""
        self.ensure_one()
        number = self._caller_e164()
        if not number:
            return self.browse()
        return self.search([
            ("company_id", "=", self.company_id.id), ("from_number", "=", number), ("status", "=", "missed"),
            ("direction", "=", "inbound"),
            ("call_start", ">=", self.call_start - RESPONSE_WINDOW), ("call_start", "<=", self.call_start),
            ("id", "!=", self.id),
        ])

    def _commit(self, auto_commit):
        """Commit when the caller asked to (webhooks, crons): the log is saved before Twilio
        is called, and each text's outcome survives a failure of the next one."""
        if auto_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    # ------------------------------------------------------------
    # Text-back
    # ------------------------------------------------------------

    def _textback_skip_reason(self, lookup=True):
        """None when the caller can be texted, else the skip reason. ``lookup``: ask Twilio
        Lookup whether the number is a landline (when the company wants it; billed)."""
        self.ensure_one()
        if self._caller_withheld():
            return "withheld"
        number = self._caller_e164()
        if not number:
            return "invalid_number"
        if self.env["crm.phone.line"].with_context(active_test=False).search_count(
                [("number", "=", number)], limit=1):
            return "own_number"
        if self.env["phone.blacklist"]._missed_call_opted_out(number):
            return "blacklisted"
        if self.env["crm.sms.unreachable"].search_count([("number", "=", number)], limit=1):
            return "unreachable"
        if lookup and self.company_id.missed_call_landline_lookup \
                and not self.env["crm.phone.lookup"]._can_receive_texts(self.company_id, number):
            return "landline"
        return None

    def _textback_queue(self):
        """Choose the template for the time of the call, render it, and queue the text.
        A template that fails to render never loses the call: the line's other template
        is tried, and when both fail the text-back is marked failed with the reason."""
        self.ensure_one()
        line = self.line_id
        after_hours = not line._is_open_at(self.call_start)
        template = (line.after_hours_template_id if after_hours else line.template_id) or line.template_id
        skip_reason = self._textback_skip_reason() or (not template and "no_template")
        vals = {"after_hours": after_hours, "textback_template_id": template.id}
        if after_hours:
            lang = self.partner_id.lang or self.company_id.partner_id.lang
            vals["next_opening_text"] = line._next_opening_in_words(self.call_start, lang)
        self.write(vals)
        if skip_reason:
            self._textback_set_state("skipped", textback_skip_reason=skip_reason)
            return
        template, body, error = self._textback_render(template)
        if not body:
            self._textback_set_state("failed", textback_error=error)
            _logger.warning("Text-back of call %s not rendered: %s", self.call_sid, error)
            return
        if not self.env["crm.textback.cooldown"]._claim(line, self.from_number, self.call_start):
            self._textback_set_state("skipped", textback_skip_reason="cooldown")
            return
        self._textback_set_state(
            "outgoing", textback_template_id=template.id, textback_body=body,
            textback_next_try=fields.Datetime.now() + SEND_LEASE)

    def _textback_render(self, template):
        """``(template, body, error)``: the text of ``template`` for this call, or of the
        line's other template when it cannot be rendered; without a body, the reason."""
        line = self.line_id
        other = line.template_id if template == line.after_hours_template_id else line.after_hours_template_id
        errors = []
        for candidate in (template | other):
            try:
                with self.env.cr.savepoint(flush=False):
                    body = candidate._render_for_call(self)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception as error:  # noqa: BLE001 (whatever breaks a template must not lose the call)
                errors.append(self.env._("The template “%(template)s” could not be rendered (%(reason)s)",
                                         template=candidate.name, reason=candidate._render_error_reason(error)))
                continue
            if body:
                return candidate, body, False
            errors.append(self.env._("The template “%s” gives an empty text", candidate.name))
        return template, False, self.env._("%s. Fix it under Missed Calls ▸ Templates.", "; ".join(errors))

    def _message_status_url(self):
        """Where Twilio reports this log's text: the log's id in the (signed) query."""
        return f"{self.get_base_url()}/missed_call/twilio/message_status?{urlencode({'log': self.id})}"

    def _textback_send(self, auto_commit=False):
        """One attempt to send the outgoing text-back through Twilio, exactly once whatever
        dies when:

        1. The attempt is marked as possibly sent, and committed, before the request leaves:
           if the process dies while Twilio holds the request, the next attempt (the retry
           cron, once the lease runs out) asks Twilio whether the text exists first.
        2. Then, holding the log's row (so the SID written below never loses to a concurrent
           update) and the caller's (which an opt-out of the number takes too, so a STOP
           committed before this attempt is always seen): the caller is checked again (opted
           out, unreachable, one of our lines), Twilio is asked when an earlier attempt may
           have sent the text, the text is sent, and the answer recorded.
        """
        self.ensure_one()
        if not self._lock_outgoing_text(auto_commit):
            return
        maybe_sent_before = self.textback_ambiguous
        if auto_commit:
            self.write({"textback_ambiguous": True, "textback_next_try": fields.Datetime.now() + SEND_LEASE})
            self._commit(auto_commit)
            if not self._lock_outgoing_text(auto_commit):
                return
        self.env["crm.caller"]._lock(self.company_id, {self.from_number: self.call_start})
        skip_reason = self._textback_skip_reason(lookup=False)
        if skip_reason:
            self._textback_set_state("skipped", textback_skip_reason=skip_reason, textback_next_try=False,
                                     textback_ambiguous=maybe_sent_before)
            self._commit(auto_commit)
            return
        try:
            twilio = self.company_id._twilio_api()
            message = {"to": self.from_number, "from_": self.line_id.number, "body": self.textback_body}
            found = None
            if maybe_sent_before:
                found = twilio.find_sent_message(**message, sent_after=pytz.utc.localize(self.call_start))
            sid, status = found or twilio.send_message(
                **message, status_callback=self._message_status_url(),
                messaging_service_sid=self.line_id.messaging_service_sid or None)
        except twilio_api.TwilioError as error:
            self._textback_attempt_failed(error, maybe_sent_before)
        else:
            self._textback_accepted(sid, status)
        self._commit(auto_commit)

    def _lock_outgoing_text(self, auto_commit):
        """Whether this log's text still waits to be sent, read again under the row's lock
        (only when committing: a test's single transaction needs no lock)."""
        if auto_commit:
            self._lock_rows()
        return self.textback_state == "outgoing"

    def _textback_set_state(self, state, **values):
        """Move the text-backs of ``self`` to ``state`` with the values that go with it: the
        one place their state changes, along TEXTBACK_TRANSITIONS."""
        for log in self:
            if state != log.textback_state and state not in TEXTBACK_TRANSITIONS[log.textback_state]:
                raise ValueError(f"Text-back of call {log.call_sid}: no way from {log.textback_state} to {state}")
        self.write({"textback_state": state, **values})

    def _textback_accepted(self, sid, status):
        self._textback_set_state(
            "queued", textback_sid=sid, textback_attempts=self.textback_attempts + 1, textback_next_try=False,
            textback_error=False, textback_ambiguous=False)
        if status in TWILIO_MESSAGE_STATES:
            self._apply_message_status(status)

    def _textback_attempt_failed(self, error, maybe_sent_before=False):
        attempts = self.textback_attempts + 1
        if error.transient and attempts < MAX_SEND_ATTEMPTS:
            delay = max(RETRY_DELAYS[attempts - 1] * random.uniform(0.8, 1.2), error.retry_after or 0)
            next_try = fields.Datetime.now() + timedelta(seconds=delay)
            self.write({
                "textback_attempts": attempts,
                "textback_error": self.env._(
                    "%(error)s (attempt %(attempt)s, trying again)", error=error.describe(self.env), attempt=attempts),
                "textback_next_try": next_try,
                # Once an attempt may have reached Twilio, every later one asks first.
                "textback_ambiguous": maybe_sent_before or error.ambiguous,
            })
            self.env.ref("crm_missed_call_textback.ir_cron_textback_retry")._trigger(next_try)
            _logger.info("Text-back of call %s will be tried again at %s: %s", self.call_sid, next_try, error)
        else:
            self._textback_set_state(
                "failed", textback_attempts=attempts, textback_error=error.describe(self.env), textback_next_try=False,
                textback_ambiguous=maybe_sent_before or error.ambiguous)
            self.env["crm.sms.unreachable"]._remember(self.from_number, error.code)
            _logger.warning("Text-back of call %s failed: %s", self.call_sid, error)

    def action_retry_textback(self):
        """Queue a failed text-back again (button on the call log, for sales managers)."""
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(self.env._("Only sales managers can send a text-back again."))
        self.check_access("read")
        for log in self.sudo().filtered(lambda log: log.textback_state == "failed"):
            values = {}
            if not log.textback_body:
                # Its template could not be rendered: once fixed, the text is made again.
                template, body, error = log._textback_render(log.textback_template_id or log.line_id.template_id)
                if not body:
                    raise UserError(error)
                values = {"textback_template_id": template.id, "textback_body": body}
            log._textback_set_state(
                "outgoing", textback_sid=False, textback_attempts=0, textback_error=False,
                textback_next_try=fields.Datetime.now(), **values)
        self.env.ref("crm_missed_call_textback.ir_cron_textback_retry")._trigger()

    @api.model
    def _cron_textback_retry(self, auto_commit=True, limit=200, companies=None):
        """Send the text-backs that are due again (of ``companies`` only, when given)."""
        now = fields.Datetime.now()
        due = self.search([
            ("textback_state", "=", "outgoing"),
            ("textback_next_try", "<=", now),
            *self._companies_domain(companies),
        ], limit=limit, order="textback_next_try")
        for log in due:
            # Another process may have sent it since the search: the lock reads it again.
            if not log._try_lock():
                continue
            if log.textback_state != "outgoing" or log.textback_next_try > now:
                self._commit(auto_commit)
                continue
            log.textback_next_try = now + SEND_LEASE
            self._commit(auto_commit)
            try:
                log._textback_send(auto_commit=auto_commit)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                if not auto_commit:
                    raise
                # A STOP or a CRM update of the same caller won the row: this text is tried
                # again once its lease runs out (marked as possibly sent, so Twilio is asked first).
                self.env.cr.rollback()
                _logger.info("Text-back of call %s left for the next run: concurrent update", log.call_sid)
        self._commit(auto_commit)

    @api.model
    def _companies_domain(self, companies):
        """The crons' work of ``companies`` only; all of it when ``companies`` is None."""
        return [] if companies is None else [("company_id", "in", companies.ids)]

    def _under_lock(self, work, auto_commit):
        """``work()`` on the logs of ``self`` that no other transaction holds (a text being
        sent), locked, then committed (when ``auto_commit``); return whether it ran. A row
        another transaction changed since this one began (a status callback, a STOP) fails
        the lock with a serialization error: the work is then left for the next run of the
        cron, which the scheduler runs again, never lost and no error."""
        try:
            locked = self._lock_rows_not_held()
            if locked:
                work(locked)
            self._commit(auto_commit)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            if not auto_commit:
                raise
            self.env.cr.rollback()
            _logger.info("Calls %s left for the next run: changed by another transaction meanwhile",
                         ", ".join(self.mapped("call_sid")))
            return False
        return True

    def _try_lock(self):
        """Lock this log's row for the transaction, or return False if another one holds it."""
        self.ensure_one()
        return bool(self._lock_rows_not_held())

    def _lock_rows_not_held(self):
        """Lock the rows of ``self`` for the transaction, except those another transaction
        holds (never waited for); return the logs locked, read again."""
        return self._lock_rows(skip_locked=True)

    def _lock_rows(self, skip_locked=False):
        """Lock the rows of ``self`` for the transaction, waiting for those another one
        holds (unless ``skip_locked``: they are left out); return the logs locked, read again."""
        if not self:
            return self
        # A serialization failure here (the row changed since this transaction began) is the
        # lock working: the caller's transaction is tried again, not an error to log.
        self.env.cr.execute(SQL("SELECT id FROM crm_call_log WHERE id IN %s ORDER BY id FOR UPDATE %s",
                                tuple(self.ids), SQL("SKIP LOCKED") if skip_locked else SQL()),
                            log_exceptions=False)
        locked_ids = {row[0] for row in self.env.cr.fetchall()}
        self.invalidate_recordset()
        return self.filtered(lambda log: log.id in locked_ids)

    def _caller_withheld(self):
        number = (self.from_number or "").strip()
        return not number or number.lower() in WITHHELD_CALLER_IDS

    def _caller_e164(self):
        """The caller's number when it is a real phone number one can call back or text."""
        self.ensure_one()
        number = self.from_number
        if self._caller_withheld() or not number.startswith("+"):
            return False
        if number != self.browse()._phone_format(number=number, country=self.company_id.country_id):
            return False
        return number

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_call_back(self):
        """Call the caller back from the business number: Twilio rings the user's phone,
        then the caller, who sees the line's number. Without Twilio, this device's dialer."""
        self.ensure_one()
        self.check_access("read")
        return self.sudo()._call_back(self.env.user)

    def _call_back(self, user):
        """:meth:`action_call_back` for ``user``, once the caller of it checked the access."""
        self.ensure_one()
        number = self._caller_e164()
        if not number:
            raise UserError(self.env._("This caller withheld their number or gave none that can be called back."))
        log = self
        if not log._call_back_possible():
            return {"type": "ir.actions.act_url", "url": f"tel:{number}", "target": "self"}
        _callback, agent_phone = log._place_call_back(
            log.line_id, number, user, callback_of=log.filtered(lambda call: call.direction == "inbound"))
        return log._call_back_notification(log.caller_display, agent_phone, log.line_id)

    @api.model
    def _call_back_notification(self, caller, agent_phone, line):
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "type": "info", "sticky": False,
            "title": self.env._("Calling back %s", caller),
            "message": self.env._("Your phone (%(phone)s) rings now: answer, and Twilio puts you through from "
                                  "%(line)s.", phone=line._format_number(agent_phone), line=line.name),
        }}

    def action_send_sms(self):
        """Odoo's SMS composer on the call's lead (or contact): the text goes from the line
        the caller called, and lands in that chatter."""
        self.ensure_one()
        self.check_access("read")
        target = self.lead_id if self.lead_readable else self.partner_id
        if not target:
            raise UserError(self.env._("This call has no lead nor contact to text from."))
        return {
            "type": "ir.actions.act_window", "res_model": "sms.composer", "view_mode": "form", "target": "new",
            "name": self.env._("Send SMS"),
            "context": {"default_res_model": target._name, "default_res_id": target.id,
                        "default_composition_mode": "comment"},
        }

    def action_mark_called_back(self):
        """The salesperson called back: done with the lead's call-back activity (which records
        the call-back of the lead's missed calls), or the call itself marked called back."""
        self.check_access("read")
        call_type = self.env.ref("mail.mail_activity_data_call")
        for log in self.filtered(lambda log: log.status == "missed" and not log.called_back_at):
            activities = log.lead_readable and log.lead_id.activity_ids.filtered(
                lambda activity: activity.activity_type_id == call_type)
            if activities:
                activities.action_feedback(feedback=self.env._("Called back (from the call log)."))
            log.sudo()._mark_called_back(fields.Datetime.now())
        return True

    def action_open_lead(self):
        self.ensure_one()
        self.lead_id.check_access("read")  # a colleague's lead stays closed, whatever the caller
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "view_mode": "form",
        }
