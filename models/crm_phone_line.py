import re
from datetime import timedelta

import pytz
from babel.dates import format_date, format_time

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import babel_locale_parse

from ..tools import twilio_api
from ..tools.odoo_compat import Constraint

MIN_VOICEMAIL_SECONDS = 10
MAX_VOICEMAIL_SECONDS = 600
MIN_RING_TIMEOUT = 5
MAX_RING_TIMEOUT = 60
# How far ahead to look for the next opening (covers long holidays).
NEXT_OPENING_HORIZON = timedelta(days=21)


class CrmPhoneLine(models.Model):
    """A business number connected through Twilio: calls to ``number`` ring ``forward_to``."""
    _name = "crm.phone.line"
    _description = "Missed Call Phone Line"
    _order = "sequence, name, id"
    _check_company_auto = True

    def _default_template(self, kind):
        return self.env["crm.textback.template"].search(
            [("kind", "=", kind), ("company_id", "in", [False, self.env.company.id])], limit=1)

    name = fields.Char(required=True, help="What the line is for, e.g. 'Main line' or 'Downtown shop'.")
    sequence = fields.Integer(default=10)
    number = fields.Char(
        required=True, copy=False,
        help="The Twilio number your customers call, in international format (+14155550100).")
    forward_to = fields.Char(
        required=True,
        help="The phone that rings when somebody calls the line, in international format.")
    number_formatted = fields.Char("Line Number", compute="_compute_numbers_formatted")
    forward_to_formatted = fields.Char("Rings", compute="_compute_numbers_formatted")
    ring_timeout = fields.Integer(
        "Ring Timeout (s)", default=20, required=True,
        help="Seconds the forwarded phone rings before the call counts as missed. Keep it at "
             "15 to 20 seconds: most mobile voicemails answer after about 25 seconds, and a call "
             "answered by voicemail would look answered.")
    calendar_id = fields.Many2one(
        "resource.calendar", "Business Hours", check_company=True,
        compute="_compute_calendar_id", store=True, readonly=False, precompute=True,
        help="Missed calls inside these hours get the in-hours text, the others the after-hours "
             "text. Hours are read in the calendar's timezone; public holidays count as closed. "
             "Leave empty to treat every call as in hours.")
    template_id = fields.Many2one(
        "crm.textback.template", "In-Hours Text", domain=[("kind", "=", "in_hours")], check_company=True,
        default=lambda self: self._default_template("in_hours"))
    after_hours_template_id = fields.Many2one(
        "crm.textback.template", "After-Hours Text", domain=[("kind", "=", "after_hours")], check_company=True,
        default=lambda self: self._default_template("after_hours"),
        help="Sent outside business hours. When empty, the in-hours text is sent instead.")
    user_id = fields.Many2one(
        "res.users", "Salesperson", required=True, default=lambda self: self.env.user,
        domain="[('share', '=', False)]", check_company=True,
        help="Owns the leads of this line and gets the call-back activity.")
    team_id = fields.Many2one("crm.team", "Sales Team", check_company=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company)
    call_screening = fields.Boolean(
        help="The answered phone first hears 'press 1 to take this call'. When nobody presses 1 "
             "(the phone's own voicemail answered), the call counts as missed and the caller gets "
             "the text-back. Without it, a call your voicemail answers looks answered.")
    textback_cooldown_hours = fields.Integer(
        "Cool-Down (hours)", default=24,
        help="A caller gets at most one text-back from this line in this many hours, however "
             "often they call. 0 texts every missed call.")
    booking_url = fields.Char(
        "Booking Link", help="A page where callers book a time themselves; use it in a template "
                             "with {{ object.line_id.booking_url }}.")
    missed_call_message = fields.Char(
        "Message to the Caller", translate=True,
        default=lambda self: self.env._(
            "Sorry we missed your call. We will text you now and call you back soon. Goodbye."),
        help="Spoken to the caller when nobody answers, before the call ends (without voicemail).")
    alert_user_id = fields.Many2one(
        "res.users", "Alert", check_company=True, domain="[('share', '=', False)]",
        help="Who hears of each missed call at once, e.g. whoever is on call. Empty: the line's salesperson. "
             "Texts go to the phone in his preferences, else to the line's Forward To.")
    alert_channel = fields.Selection(
        [("sms", "A text to their phone"), ("email", "Odoo's email"), ("both", "A text and Odoo's email"),
         ("none", "No alert")],
        "Alert By", required=True, default="sms",
        help="A text reaches a salesperson on a roof within seconds; Odoo's \"activity assigned\" email is sent "
             "only when chosen here.")
    alert_when = fields.Selection(
        [("always", "Always"), ("business_hours", "During business hours only")],
        required=True, default="always", help="After hours, the call-back activity waits in Odoo.")
    voicemail = fields.Boolean(
        help="After no answer, the caller hears the greeting and may leave a message. The text-back goes out "
             "as the call is missed, before the greeting; the message is stored on the call and its lead, "
             "which gets a high priority, with Twilio's transcription.")
    voicemail_greeting = fields.Char(
        translate=True,
        default=lambda self: self.env._(
            "Sorry we missed your call. We have just texted you. Leave a message after the tone, and we will "
            "call you back."),
        help="Spoken to the caller before the tone.")
    voicemail_max_length = fields.Integer(
        "Longest Voicemail (s)", default=120, help="Twilio stops recording after this many seconds.")
    voicemail_delete_at_twilio = fields.Boolean(
        "Delete Voicemails at Twilio",
        help="Once Odoo keeps a voicemail, delete it at Twilio: the only copy is then in Odoo (privacy).")
    twilio_number_sid = fields.Char(
        "Twilio Number SID", copy=False, help="PN…: set when the number was connected from Odoo.")
    messaging_service_sid = fields.Char(
        "Messaging Service SID",
        help="MG…: send the text-backs through this Twilio Messaging Service. US numbers need one tied "
             "to a registered A2P 10DLC campaign, or carriers block the texts (Twilio error 30034).")
    active = fields.Boolean(default=True)
    call_log_ids = fields.One2many("crm.call.log", "line_id", "Calls")
    call_count = fields.Integer(compute="_compute_call_counts")
    missed_call_count = fields.Integer(compute="_compute_call_counts")
    voice_webhook_url = fields.Char("A Call Comes In", compute="_compute_webhook_urls")
    call_status_webhook_url = fields.Char("Call Status Changes", compute="_compute_webhook_urls")
    sms_webhook_url = fields.Char("A Message Comes In", compute="_compute_webhook_urls")

    callback_webhook_url = fields.Char(
        "Call-Back Webhooks", compute="_compute_webhook_urls",
        help="Odoo gives Twilio this address (and …/callback_dial_status, …/callback_status) with each call-back "
             "it places: nothing to set in the Twilio Console, but a proxy or firewall must let it through.")
    voicemail_webhook_url = fields.Char(
        "Voicemail Webhooks", compute="_compute_webhook_urls",
        help="Odoo gives Twilio this address (and …/recording_status, …/transcription) when a caller may leave "
             "a message: nothing to set in the Twilio Console, but a proxy or firewall must let it through.")
    sms_status_webhook_url = fields.Char(
        "Status of Texts Sent from Odoo", compute="_compute_webhook_urls",
        help="Odoo gives Twilio this address with each text sent from Odoo (not the text-backs), for its "
             "delivery status: nothing to set in the Twilio Console, but a proxy or firewall must let it through.")
    webhook_url_warning = fields.Char(compute="_compute_webhook_urls")
    last_call_at = fields.Datetime("Last Call Received", compute="_compute_last_call")
    last_call_result = fields.Char("Its Result", compute="_compute_last_call")
    a2p_warning = fields.Char(compute="_compute_a2p_warning")
    twilio_sandbox = fields.Boolean(
        compute="_compute_twilio_sandbox",
        help="Requests to the Twilio API go to a sandbox (system parameter "
             "crm_missed_call_textback.twilio_api_base_url), not to Twilio.")

    _number_company_uniq = Constraint(
        "unique(number, company_id)", "This number is already connected to another line of this company.")

    @api.depends("company_id")
    def _compute_calendar_id(self):
        for line in self:
            shared = self.env["resource.calendar"]
            if not line.calendar_id or line.calendar_id.company_id not in (line.company_id, shared):
                line.calendar_id = line.company_id.resource_calendar_id

    def _compute_call_counts(self):
        # A line being created in a form has no calls (and no id a domain could take).
        counts = {
            (line.id, status): count
            for line, status, count in self.env["crm.call.log"]._read_group(
                [("line_id", "in", self._origin.ids)], ["line_id", "status"], ["__count"])
        }
        for line in self:
            line_id = line._origin.id
            line.call_count = sum(count for (other_id, _status), count in counts.items() if other_id == line_id)
            line.missed_call_count = counts.get((line_id, "missed"), 0)

    def _compute_last_call(self):
        """The last call Twilio brought to the line, seen through what it logged (a
        call-back placed from Odoo is not one)."""
        CallLog = self.env["crm.call.log"]
        for line in self:
            log = CallLog.search([("line_id", "=", line._origin.id), ("direction", "=", "inbound")],
                                 order="create_date desc", limit=1) if line._origin else CallLog
            line.last_call_at = log.create_date
            if not log:
                line.last_call_result = False
                continue
            status = dict(log._fields["status"]._description_selection(self.env))[log.status]
            textback = dict(log._fields["textback_state"]._description_selection(self.env))[log.textback_state]
            line.last_call_result = self.env._(
                "%(status)s, text-back: %(textback)s", status=status, textback=textback,
            ) if log.status == "missed" else status

    def _compute_twilio_sandbox(self):
        self.twilio_sandbox = bool(self.env["res.company"]._twilio_sandbox_url())

    @api.depends("number", "messaging_service_sid")
    def _compute_a2p_warning(self):
        for line in self:
            us_number = (line.number or "").startswith("+1")
            line.a2p_warning = us_number and not line.messaging_service_sid and self.env._(
                "US carriers block texts from numbers not registered for A2P 10DLC (Twilio error 30034). "
                "Register a campaign in the Twilio Console and set its Messaging Service SID here.")

    def _compute_webhook_urls(self):
        for line in self:
            base_url = line.get_base_url()
            line.webhook_url_warning = not base_url.startswith("https://") and self.env._(
                "Twilio must reach this Odoo at a public https address; web.base.url is %s. "
                "Set it (and web.base.url.freeze) in the system parameters.", base_url)
            line.voice_webhook_url = f"{base_url}/missed_call/twilio/voice"
            line.call_status_webhook_url = f"{base_url}/missed_call/twilio/call_status"
            line.sms_webhook_url = f"{base_url}/missed_call/twilio/sms"
            line.callback_webhook_url = f"{base_url}/missed_call/twilio/callback_answer"
            line.voicemail_webhook_url = f"{base_url}/missed_call/twilio/voicemail_done"
            line.sms_status_webhook_url = f"{base_url}/missed_call/twilio/sms_status"

    @api.constrains("ring_timeout")
    def _check_ring_timeout(self):
        for line in self:
            if not MIN_RING_TIMEOUT <= line.ring_timeout <= MAX_RING_TIMEOUT:
                raise ValidationError(self.env._(
                    "The ring timeout of %(line)s must be between %(min)s and %(max)s seconds.",
                    line=line.name, min=MIN_RING_TIMEOUT, max=MAX_RING_TIMEOUT))

    @api.constrains("messaging_service_sid", "twilio_number_sid")
    def _check_twilio_sids(self):
        for line in self:
            if line.messaging_service_sid and not re.match(r"^MG[0-9a-fA-F]{32}$", line.messaging_service_sid):
                raise ValidationError(self.env._(
                    "A Messaging Service SID is 'MG' followed by 32 hexadecimal characters."))
            if line.twilio_number_sid and not re.match(r"^PN[0-9a-fA-F]{32}$", line.twilio_number_sid):
                raise ValidationError(self.env._("A phone number SID is 'PN' followed by 32 hexadecimal characters."))

    @api.constrains("voicemail_max_length")
    def _check_voicemail_max_length(self):
        for line in self:
            if not MIN_VOICEMAIL_SECONDS <= line.voicemail_max_length <= MAX_VOICEMAIL_SECONDS:
                raise ValidationError(self.env._(
                    "The longest voicemail of %(line)s must be between %(min)s and %(max)s seconds.",
                    line=line.name, min=MIN_VOICEMAIL_SECONDS, max=MAX_VOICEMAIL_SECONDS))

    @api.constrains("textback_cooldown_hours")
    def _check_textback_cooldown_hours(self):
        for line in self:
            if line.textback_cooldown_hours < 0:
                raise ValidationError(self.env._("The cool-down of %s cannot be negative.", line.name))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._normalize_numbers(vals, self.env["res.company"].browse(vals.get("company_id")))
        return super().create(vals_list)

    def write(self, vals):
        if "number" in vals or "forward_to" in vals:
            for line in self:
                line_vals = dict(vals)
                line._normalize_numbers(line_vals, line.company_id)
                super(CrmPhoneLine, line).write(line_vals)
            return True
        return super().write(vals)

    def _normalize_numbers(self, vals, company):
        """Store ``number`` and ``forward_to`` in E.164, or refuse them with a clear message."""
        country = (company or self.env.company).country_id
        labels = {"number": self.env._("Twilio number"), "forward_to": self.env._("Forward To")}
        for fname, label in labels.items():
            if not vals.get(fname):
                continue
            e164 = self.browse()._phone_format(number=vals[fname], country=country, force_format="E164")
            if not e164:
                raise ValidationError(self.env._(
                    "%(label)s '%(number)s' is not a valid phone number. Enter it in international "
                    "format, for example +14155550100.", label=label, number=vals[fname]))
            vals[fname] = e164

    @api.model
    def _find_for_twilio(self, companies, number):
        """The active line of ``companies`` that Twilio number ``number`` belongs to."""
        if not number or not companies:
            return self.browse()
        return self.search([("number", "=", number.strip()), ("company_id", "in", companies.ids)], limit=1)

    # ------------------------------------------------------------
    # Business hours
    # ------------------------------------------------------------

    def _calendar_tz(self):
        self.ensure_one()
        return pytz.timezone(self.calendar_id.tz or self.env.company.partner_id.tz or "UTC")

    def _is_open_at(self, when):
        """Whether the business is open at ``when`` (naive UTC datetime)."""
        self.ensure_one()
        if not self.calendar_id:
            return True
        start = pytz.utc.localize(when)
        intervals = self.calendar_id._work_intervals_batch(start, start + timedelta(seconds=1))[False]
        return bool(intervals)

    def _next_opening(self, when):
        """The next time the business opens after ``when`` (naive UTC), as an aware
        datetime in the calendar's timezone, or None when it never opens again soon."""
        self.ensure_one()
        if not self.calendar_id:
            return None
        start = pytz.utc.localize(when)
        intervals = self.calendar_id._work_intervals_batch(start, start + NEXT_OPENING_HORIZON)[False]
        tz = self._calendar_tz()
        for interval_start, _interval_stop, _meta in intervals:
            if interval_start > start:
                return interval_start.astimezone(tz)
        return None

    def _next_opening_in_words(self, when, lang=None):
        """'today at 2:00 PM', 'tomorrow at 8:00 AM', 'Monday at 8:00 AM' or 'Dec 24 at 8:00 AM'."""
        self.ensure_one()
        opening = self._next_opening(when)
        if not opening:
            return self.env._("as soon as we are back")
        locale = babel_locale_parse(lang or self.env.lang or "en_US")
        # Narrow and non-breaking spaces are not GSM-7: they would make the text UCS-2.
        at_time = format_time(opening, format="short", locale=locale).replace("\u202f", " ").replace("\xa0", " ")
        days = (opening.date() - pytz.utc.localize(when).astimezone(opening.tzinfo).date()).days
        if days == 0:
            return self.env._("today at %s", at_time)
        if days == 1:
            return self.env._("tomorrow at %s", at_time)
        if days < 7:
            return self.env._("%(day)s at %(time)s", day=format_date(opening, "EEEE", locale=locale), time=at_time)
        return self.env._("%(day)s at %(time)s", day=format_date(opening, "MMM d", locale=locale), time=at_time)

    def _alerts_by_email(self):
        self.ensure_one()
        return self.alert_channel in ("email", "both")

    def _alerts_by_sms(self, when):
        """Whether a missed call at ``when`` (naive UTC) texts the salesperson."""
        self.ensure_one()
        if self.alert_channel not in ("sms", "both"):
            return False
        return self.alert_when == "always" or self._is_open_at(when)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_archive(self):
        """Archiving a line connected from Odoo offers to disconnect its number at Twilio too."""
        connected = self.filtered(lambda line: line.active and line.twilio_number_sid)
        if connected and not self.env.context.get("crm_phone_line_archive_confirmed"):
            wizard = self.env["crm.phone.line.archive"].create({"line_ids": [fields.Command.set(self.ids)]})
            return {"type": "ir.actions.act_window", "res_model": wizard._name, "res_id": wizard.id,
                    "view_mode": "form", "target": "new", "name": self.env._("Archive Phone Line")}
        return super().action_archive()

    def _twilio_api(self):
        return self.company_id._twilio_api()

    def _check_manager(self):
        """What changes a line's number at Twilio, or texts from it, is for sales managers of
        the line's company, on the server as in the views."""
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(self.env._("Only sales managers can manage the phone lines' Twilio numbers."))
        self.check_access("write")

    def action_connect_webhooks(self):
        """Point the Twilio number's calls, call statuses and texts at this Odoo."""
        self._check_manager()
        for line in self:
            line._check_connectable()
            try:
                line._twilio_api().configure_number(line.twilio_number_sid, line.get_base_url())
            except twilio_api.TwilioError as error:
                raise UserError(self.env._("%(number)s is not connected. %(error)s",
                                           number=line.number, error=error.describe(self.env))) from error
        return self._notify(self.env._("Twilio now sends the calls and texts of these numbers to Odoo."))

    def action_disconnect_webhooks(self):
        """Stop Twilio from sending the number's calls and texts to Odoo."""
        self._check_manager()
        for line in self.filtered("twilio_number_sid"):
            try:
                line._twilio_api().clear_number(line.twilio_number_sid)
            except twilio_api.TwilioError as error:
                raise UserError(self.env._("%(number)s is not disconnected. %(error)s",
                                           number=line.number, error=error.describe(self.env))) from error
        return self._notify(self.env._("Twilio no longer sends these numbers' calls and texts to Odoo."))

    def _check_connectable(self):
        if not self.twilio_number_sid:
            raise UserError(self.env._("%s was not connected from Odoo: use Connect a Phone Number, or set the "
                              "webhook URLs in the Twilio Console.", self.name))

    def action_simulate_missed_call(self):
        """Open the simulation of a missed call on this line (sandbox only)."""
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators can simulate a missed call."))
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Simulate a Missed Call"),
            "res_model": "crm.missed.call.simulation",
            "view_mode": "form",
            "target": "new",
            "context": {"default_line_id": self.id},
        }

    def action_send_test_text(self):
        """Text the line's own phone (Forward To) through the same path as a text-back."""
        self.ensure_one()
        self._check_manager()
        try:
            self._twilio_api().send_message(
                to=self.forward_to, from_=self.number,
                body=self.env._("Test from Odoo: %(line)s can send text-backs.", line=self.name),
                status_callback=f"{self.get_base_url()}/missed_call/twilio/message_status",
                messaging_service_sid=self.messaging_service_sid or None)
        except twilio_api.TwilioError as error:
            raise UserError(self.env._("The test text could not be sent: %s",
                              self.env["crm.sms.unreachable"]._describe_error(error.code) if error.code
                              else error)) from error
        return self._notify(self.env._("Test text sent to %s.", self._format_number(self.forward_to)))

    @api.depends("number", "forward_to", "company_id.country_id")
    def _compute_numbers_formatted(self):
        for line in self:
            line.number_formatted = line._format_number(line.number)
            line.forward_to_formatted = line._format_number(line.forward_to)

    def _format_number(self, number):
        """``number`` as people read it (+1 415-555-0100), as Odoo shows phone numbers."""
        country = self.company_id.country_id or self.env.company.country_id
        return number and (self._phone_format(number=number, country=country, force_format="INTERNATIONAL")
                           or number)

    def _notify(self, message):
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"message": message, "type": "success", "sticky": False}}

    def action_view_calls(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_missed_call_textback.crm_call_log_action")
        action["domain"] = [("line_id", "=", self.id)]
        action["context"] = {"default_line_id": self.id}
        return action
