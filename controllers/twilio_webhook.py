"""Twilio webhooks. Each one validates, in this order, the shape of the ids,
the company of the Account SID and the request's signature, then hands over to
a model method. Any failure before the signature is checked gets the same 403."""
import logging
import re
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator
from werkzeug.exceptions import RequestEntityTooLarge

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..models.crm_call_log import CALL_IN_PROGRESS_STATUSES, CALL_OUTCOMES, TwilioReplayExpired, twilio_seconds
from ..models.crm_call_log_callback import CALL_BACK_RING_SECONDS
from ..models.res_company import ACCOUNT_SID_RE
from ..tools import twiml

_logger = logging.getLogger(__name__)

# Matched whole (fullmatch): "$" would let a trailing line break through.
SID_PATTERNS = {
    "AccountSid": ACCOUNT_SID_RE,
    "CallSid": re.compile(r"CA[0-9a-fA-F]{32}"),
    "MessageSid": re.compile(r"(SM|MM)[0-9a-fA-F]{32}"),
}
RECORDING_SID = re.compile(r"RE[0-9a-fA-F]{32}")
SMS_UUID = re.compile(r"[0-9a-f]{32}")
RECORD_ID = re.compile(r"[0-9]{1,10}")  # ASCII digits: str.isdigit() takes "²", which int() refuses
MAX_RECORD_ID = 2**31 - 1  # PostgreSQL's integer: a larger id fails the query (a 500)
# Fields that carry what a person wrote or said: a text's body, a voicemail's transcription.
LONG_FIELDS = frozenset({"Body", "TranscriptionText"})
# Twilio's own webhook bodies are a few kilobytes at most: a declared length over this is
# refused before anything is read, and Werkzeug (2.3 and later) reads no more than this of a
# body without one (chunked); the form it gives is then cut, and refused as no webhook.
MAX_BODY_BYTES = 64 * 1024
MAX_FIELDS = 100
# Bounds of what Twilio sends: a text's body (up to 10 segments of 160 characters, with room
# for multi-byte characters), and every other field (numbers, statuses, URLs, SIDs).
MAX_BODY_CHARS = 4096
MAX_FIELD_CHARS = 512
# Characters no Twilio field carries (PostgreSQL refuses NUL); tab and line breaks are fine.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ROUTE = {"type": "http", "auth": "public", "methods": ["POST"], "csrf": False, "save_session": False,
         "max_content_length": MAX_BODY_BYTES}


class TwilioWebhookController(http.Controller):

    @http.route("/missed_call/twilio/voice", **ROUTE)
    def twilio_voice(self, **_kwargs):
        return self._dispatch("CallSid", self._incoming_call)

    @http.route("/missed_call/twilio/sms", **ROUTE)
    def twilio_sms(self, **_kwargs):
        return self._dispatch("MessageSid", self._incoming_sms)

    @http.route("/missed_call/twilio/screen", **ROUTE)
    def twilio_screen(self, **_kwargs):
        return self._dispatch("CallSid", self._screen)

    @http.route("/missed_call/twilio/screen_result", **ROUTE)
    def twilio_screen_result(self, **_kwargs):
        return self._dispatch("CallSid", self._screen_result)

    @http.route("/missed_call/twilio/dial_status", **ROUTE)
    def twilio_dial_status(self, **_kwargs):
        return self._dispatch("CallSid", self._dial_status)

    @http.route("/missed_call/twilio/call_status", **ROUTE)
    def twilio_call_status(self, **_kwargs):
        return self._dispatch("CallSid", self._call_status)

    @http.route("/missed_call/twilio/message_status", **ROUTE)
    def twilio_message_status(self, **_kwargs):
        return self._dispatch("MessageSid", self._message_status)

    # Odoo's SMS sent through Twilio: the URL carries the SMS's uuid (signed with it).

    @http.route("/missed_call/twilio/sms_status", **ROUTE)
    def twilio_sms_status(self, **_kwargs):
        return self._dispatch("MessageSid", self._sms_status)

    # Voicemail of a missed call: the URLs carry the call's log id (signed with them).

    @http.route("/missed_call/twilio/voicemail_done", **ROUTE)
    def twilio_voicemail_done(self, **_kwargs):
        return self._dispatch("CallSid", self._voicemail_done)

    @http.route("/missed_call/twilio/recording_status", **ROUTE)
    def twilio_recording_status(self, **_kwargs):
        return self._dispatch("CallSid", self._recording_status)

    @http.route("/missed_call/twilio/transcription", **ROUTE)
    def twilio_transcription(self, **_kwargs):
        return self._dispatch("CallSid", self._transcription)

    # Call-backs placed from Odoo: the URLs carry the call-back's log id (signed with them).

    @http.route("/missed_call/twilio/callback_answer", **ROUTE)
    def twilio_callback_answer(self, **_kwargs):
        return self._dispatch("CallSid", self._call_back_answer)

    @http.route("/missed_call/twilio/callback_dial_status", **ROUTE)
    def twilio_callback_dial_status(self, **_kwargs):
        return self._dispatch("CallSid", self._call_back_dial_status)

    @http.route("/missed_call/twilio/callback_status", **ROUTE)
    def twilio_callback_status(self, **_kwargs):
        return self._dispatch("CallSid", self._call_back_status)

    # ------------------------------------------------------------
    # Handlers: validated params in, model method, answer out
    # ------------------------------------------------------------

    def _incoming_call(self, CallLog, companies, params):
        log = CallLog._twilio_incoming_call(companies, params)
        if not log:
            return self._twiml(twiml.reject())
        line = log.line_id
        base_url = line.get_base_url()
        screen_url = line.call_screening and f"{base_url}/missed_call/twilio/screen?{urlencode({'call': log.call_sid})}"
        return self._twiml(twiml.dial(
            line.forward_to, line.ring_timeout, f"{base_url}/missed_call/twilio/dial_status", screen_url))

    def _screen(self, CallLog, companies, _params):
        parent_sid = self._screened_call_sid()
        log = CallLog._twilio_screened_call(companies, parent_sid) if parent_sid else CallLog
        if not log:
            return self._twiml(twiml.say_and_hang_up(""))
        action_url = f"{log.line_id.get_base_url()}/missed_call/twilio/screen_result?{urlencode({'call': parent_sid})}"
        return self._twiml(twiml.screen(log._screening_prompt(), action_url))

    def _screen_result(self, CallLog, companies, params):
        parent_sid = self._screened_call_sid()
        taken = bool(parent_sid) and CallLog._twilio_screen_result(companies, parent_sid, params.get("Digits"))
        return self._twiml(twiml.empty() if taken else twiml.say_and_hang_up(""))

    def _dial_status(self, CallLog, companies, params):
        dial_status = params.get("DialCallStatus")
        if dial_status not in CALL_OUTCOMES:
            return self._bad_request(f"Unknown DialCallStatus {dial_status!r}")
        log = CallLog._twilio_dial_status(companies, params, auto_commit=True)
        if log.status != "missed":
            return self._twiml(twiml.empty())
        line = log.line_id
        if line.voicemail and not log.voicemail_recording_sid:
            # The text-back is on its way already: the greeting, then the caller's message.
            base_url, query = log.get_base_url(), urlencode({"log": log.id})
            return self._twiml(twiml.voicemail(
                line.voicemail_greeting, line.voicemail_max_length,
                f"{base_url}/missed_call/twilio/voicemail_done?{query}",
                f"{base_url}/missed_call/twilio/recording_status?{query}",
                f"{base_url}/missed_call/twilio/transcription?{query}"))
        return self._twiml(twiml.say_and_hang_up(line.missed_call_message))

    def _call_status(self, CallLog, companies, params):
        call_status = params.get("CallStatus")
        if call_status in CALL_OUTCOMES:
            CallLog._twilio_call_status(companies, params, auto_commit=True)
        elif call_status not in CALL_IN_PROGRESS_STATUSES:
            return self._bad_request(f"Unknown CallStatus {call_status!r}")
        return self._empty_ok()

    def _incoming_sms(self, CallLog, companies, params):
        _reply, answer = CallLog.env["crm.textback.reply"]._twilio_incoming_sms(companies, params)
        return self._twiml(twiml.message(answer))

    def _message_status(self, CallLog, companies, params):
        CallLog._twilio_message_status(companies, params, log_id=self._query_id("log"))
        return self._empty_ok()

    def _call_back_log(self, CallLog, companies, params):
        log_id = self._query_id("log")
        return CallLog._twilio_call_back(companies, log_id, params) if log_id else CallLog

    def _call_back_answer(self, CallLog, companies, params):
        log = self._call_back_log(CallLog, companies, params)
        connect = log and log._twilio_call_back_answered()
        if not connect:
            return self._twiml(twiml.say_and_hang_up(""))
        announcement, caller_id, number = connect
        action_url = f"{log.get_base_url()}/missed_call/twilio/callback_dial_status?{urlencode({'log': log.id})}"
        return self._twiml(twiml.call_back(announcement, caller_id, number, action_url, CALL_BACK_RING_SECONDS))

    def _call_back_dial_status(self, CallLog, companies, params):
        dial_status = params.get("DialCallStatus")
        if dial_status not in CALL_OUTCOMES:
            return self._bad_request(f"Unknown DialCallStatus {dial_status!r}")
        log = self._call_back_log(CallLog, companies, params)
        if log:
            log._twilio_call_back_dialed(dial_status, twilio_seconds(params.get("DialCallDuration")))
        return self._twiml(twiml.say_and_hang_up(""))

    def _call_back_status(self, CallLog, companies, params):
        call_status = params.get("CallStatus")
        if call_status not in CALL_OUTCOMES and call_status not in CALL_IN_PROGRESS_STATUSES:
            return self._bad_request(f"Unknown CallStatus {call_status!r}")
        log = self._call_back_log(CallLog, companies, params)
        if log:
            log._twilio_call_back_ended(call_status)
        return self._empty_ok()

    def _sms_status(self, CallLog, companies, params):
        sms_uuid = request.httprequest.args.get("sms", "")
        if not SMS_UUID.fullmatch(sms_uuid):
            return self._bad_request("The SMS id is missing or malformed")
        status = params.get("MessageStatus") or params.get("SmsStatus")
        error_code = params.get("ErrorCode")
        CallLog.env["sms.sms"]._twilio_sms_status(
            companies, sms_uuid, status, error_code if error_code and error_code.isdigit() else None)
        return self._empty_ok()

    def _voicemail_log(self, CallLog, companies):
        log_id = self._query_id("log")
        return CallLog._twilio_voicemail_log(companies, log_id) if log_id else CallLog

    def _voicemail_done(self, CallLog, companies, _params):
        log = self._voicemail_log(CallLog, companies)
        return self._twiml(twiml.say_and_hang_up(log.env._("Thank you. Goodbye.") if log else ""))

    def _recording_status(self, CallLog, companies, params):
        recording_sid = params.get("RecordingSid") or ""
        if not RECORDING_SID.fullmatch(recording_sid):
            return self._bad_request("RecordingSid is missing or malformed")
        log = self._voicemail_log(CallLog, companies)
        if log and params.get("RecordingStatus", "completed") == "completed":
            log._twilio_voicemail_recorded(recording_sid, twilio_seconds(params.get("RecordingDuration")))
        return self._empty_ok()

    def _transcription(self, CallLog, companies, params):
        recording_sid = params.get("RecordingSid") or ""
        if not RECORDING_SID.fullmatch(recording_sid):
            return self._bad_request("RecordingSid is missing or malformed")
        log = self._voicemail_log(CallLog, companies)
        text = (params.get("TranscriptionText") or "").strip()
        if log and text and params.get("TranscriptionStatus", "completed") == "completed":
            log._twilio_voicemail_transcribed(recording_sid, text)
        return self._empty_ok()

    @staticmethod
    def _query_id(name):
        """A record id from the (signed) query string, or None."""
        value = request.httprequest.args.get(name, "")
        return int(value) if RECORD_ID.fullmatch(value) and int(value) <= MAX_RECORD_ID else None

    def _dispatch(self, sid_field, handler):
        self._check_body_size()
        params = request.httprequest.form.to_dict()
        problem = self._form_problem(params)
        if problem:
            _logger.warning("Refused a Twilio webhook to %s: %s", request.httprequest.path, problem)
            return self._bad_request(problem)
        companies = self._signed_by(params, sid_field)
        if companies is None:
            return self._forbidden()
        try:
            return handler(request.env["crm.call.log"].with_user(SUPERUSER_ID), companies, params)
        except TwilioReplayExpired as error:
            _logger.warning("Refused a replayed Twilio webhook to %s: %s", request.httprequest.path, error)
            return self._forbidden()

    # ------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------

    @staticmethod
    def _check_body_size():
        """A declared body over the cap is refused before anything is read (the route's
        max_content_length caps what is read of a body that declares nothing)."""
        if (request.httprequest.content_length or 0) > MAX_BODY_BYTES:
            raise RequestEntityTooLarge()

    @staticmethod
    def _form_problem(params):
        """What makes this form no genuine Twilio webhook (too many or too long fields,
        control characters), or None. Checked before anything is looked up or written."""
        if len(params) > MAX_FIELDS:
            return f"more than {MAX_FIELDS} fields"
        for name, value in params.items():
            limit = MAX_BODY_CHARS if name in LONG_FIELDS else MAX_FIELD_CHARS
            if len(name) > MAX_FIELD_CHARS or len(value) > limit:
                return f"field {name[:40]!r} is longer than {limit} characters"
            if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
                return f"field {name[:40]!r} holds control characters"
        return None

    def _signed_by(self, params, sid_field):
        """The companies whose Auth Token signed the request, or None when it must be refused."""
        for field in ("AccountSid", sid_field):
            if not SID_PATTERNS[field].fullmatch(params.get(field) or ""):
                return None
        signature = request.httprequest.headers.get("X-Twilio-Signature")
        if not signature:
            return None
        companies = request.env["res.company"]._twilio_companies_for_account(params["AccountSid"])
        url = self._signed_url()
        signed_by = companies.filtered(
            lambda company: company._twilio_credentials()[1]
            and RequestValidator(company._twilio_credentials()[1]).validate(url, params, signature))
        if not signed_by:
            _logger.warning("Refused a Twilio webhook to %s: invalid signature", request.httprequest.path)
            return None
        return signed_by

    @staticmethod
    def _screened_call_sid():
        """The caller's CallSid, which the screening URLs carry (Twilio calls them for the answered leg)."""
        sid = request.httprequest.args.get("call", "")
        return sid if SID_PATTERNS["CallSid"].fullmatch(sid) else None

    def _signed_url(self):
        """The URL Twilio called: the public base URL of this database (web.base.url),
        not the one a reverse proxy forwards, plus the path and query string."""
        httprequest = request.httprequest
        base_url = request.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        query = httprequest.query_string.decode()
        return f"{base_url}{httprequest.path}" + (f"?{query}" if query else "")

    # ------------------------------------------------------------
    # Responses
    # ------------------------------------------------------------

    @staticmethod
    def _twiml(body):
        return request.make_response(body, headers=[("Content-Type", "text/xml; charset=utf-8")])

    @staticmethod
    def _empty_ok():
        return request.make_response("", status=200, headers=[("Content-Type", "text/plain")])

    @staticmethod
    def _forbidden():
        return request.make_response("Forbidden", status=403, headers=[("Content-Type", "text/plain")])

    @staticmethod
    def _bad_request(message):
        return request.make_response(message, status=400, headers=[("Content-Type", "text/plain")])
