import logging
import random
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import str2bool

from ..tools import twilio_api
from .crm_call_log import format_duration

_logger = logging.getLogger(__name__)

# Seconds before each new try of a download that failed for a transient reason.
VOICEMAIL_RETRY_DELAYS = (30, 120, 600, 1800)


class CrmCallLogVoicemail(models.Model):
    """The message a missed caller left (lines with voicemail on): recorded by Twilio
    after the greeting, downloaded with the company's credentials into an attachment of
    the call and of its lead (the lead then gets a high priority), optionally deleted at
    Twilio, with Twilio's transcription when it comes. The text-back never waits for it."""
    _inherit = "crm.call.log"

    voicemail_state = fields.Selection(
        [("none", "None"), ("recorded", "Recorded"), ("stored", "Stored in Odoo"), ("failed", "Not Stored")],
        "Voicemail", required=True, default="none", index=True)
    voicemail_recording_sid = fields.Char("Recording SID", copy=False, index="btree_not_null")
    voicemail_duration = fields.Integer("Voicemail Length (s)")
    voicemail_duration_display = fields.Char("Voicemail Length", compute="_compute_voicemail_duration_display")
    voicemail_attachment_id = fields.Many2one("ir.attachment", "Voicemail Recording", copy=False)
    voicemail_transcription = fields.Text("Transcription")
    voicemail_transcription_posted = fields.Boolean()
    voicemail_error = fields.Char()
    voicemail_attempts = fields.Integer()
    voicemail_next_try = fields.Datetime(index="btree_not_null")

    @api.depends("voicemail_duration", "voicemail_state")
    def _compute_voicemail_duration_display(self):
        for log in self:
            log.voicemail_duration_display = log.voicemail_state != "none" and format_duration(
                self.env, log.voicemail_duration)

    # ------------------------------------------------------------
    # Webhooks (called by the controller, as superuser)
    # ------------------------------------------------------------

    @api.model
    def _twilio_voicemail_log(self, companies, log_id):
        """The missed call ``log_id`` of ``companies`` whose line takes voicemail, or nothing."""
        return self.search([("id", "=", log_id), ("direction", "=", "inbound"), ("status", "=", "missed"),
                            ("company_id", "in", companies.ids)], limit=1)._check_fresh()

    def _twilio_voicemail_recorded(self, recording_sid, duration):
        """Twilio finished the recording: keep its SID (once) and fetch it at once."""
        self.ensure_one()
        if self.voicemail_recording_sid:
            return
        self.write({"voicemail_recording_sid": recording_sid, "voicemail_duration": duration,
                    "voicemail_state": "recorded", "voicemail_next_try": fields.Datetime.now()})
        self.env.ref("crm_missed_call_textback.ir_cron_missed_call_voicemail")._trigger()

    def _twilio_voicemail_transcribed(self, recording_sid, text):
        """Twilio's transcription of the voicemail: kept, and posted with it once stored."""
        self.ensure_one()
        other_recording = self.voicemail_recording_sid and recording_sid != self.voicemail_recording_sid
        if self.voicemail_transcription or other_recording:
            return
        self.voicemail_transcription = text
        if self.voicemail_state == "stored":
            self._post_voicemail_transcription()

    # ------------------------------------------------------------
    # Download
    # ------------------------------------------------------------

    @api.model
    def _cron_voicemail_download(self, auto_commit=True, limit=50, companies=None):
        """Store the recorded voicemails in Odoo (once their lead exists), one at a time
        (of ``companies`` only, when given)."""
        due = self.search([("voicemail_state", "=", "recorded"), ("crm_synced", "=", True),
                           ("voicemail_next_try", "<=", fields.Datetime.now()),
                           *self._companies_domain(companies)], limit=limit, order="id")
        for log in due:
            log._under_lock(lambda locked: locked._store_voicemail(), auto_commit)

    def _store_voicemail(self):
        """Download the recorded voicemail of this (locked) log, unless another run did."""
        self.ensure_one()
        if self.voicemail_state != "recorded":
            return
        if str2bool(self.env["ir.config_parameter"].sudo().get_param("database.is_neutralized"), False):
            self.write({"voicemail_state": "failed", "voicemail_error": self.env._(
                "This database is neutralized: recordings are not downloaded.")})
            return
        twilio = None
        try:
            twilio = self.company_id._twilio_api()
            twilio.fetch_recording(self.voicemail_recording_sid)
            audio = twilio.download_recording(self.voicemail_recording_sid)
        except twilio_api.TwilioError as error:
            self._voicemail_attempt_failed(error)
            return
        self._attach_voicemail(audio)
        if self.line_id.voicemail_delete_at_twilio:
            try:
                twilio.delete_recording(self.voicemail_recording_sid)
            except twilio_api.TwilioError as error:
                _logger.warning("Voicemail %s kept at Twilio: %s", self.voicemail_recording_sid, error)

    def _attach_voicemail(self, audio, mimetype="audio/mpeg"):
        """The voicemail's ``audio`` on the call and in its lead's chatter (playable there);
        the lead becomes a hot one; the transcription follows when it is in."""
        self.ensure_one()
        extension = mimetype.rsplit("/", 1)[-1].replace("mpeg", "mp3")
        name = self.env._("Voicemail from %(caller)s, %(when)s", caller=self.caller_display,
                          when=self._call_time_at_line()) + f".{extension}"
        attachment = self.env["ir.attachment"].create({
            "name": name, "raw": audio, "mimetype": mimetype, "res_model": self._name, "res_id": self.id})
        self.write({"voicemail_state": "stored", "voicemail_attachment_id": attachment.id,
                    "voicemail_error": False, "voicemail_next_try": False})
        lead = self.lead_id
        if lead:
            body = Markup("<p>%s</p>") % self.env._(
                "Voicemail from %(caller)s (%(duration)s), left after the missed call on %(line)s.",
                caller=self.caller_display, duration=format_duration(self.env, self.voicemail_duration),
                line=self.line_id.name)
            message = lead.message_post(body=body, attachments=[(name, audio)], message_type="comment",
                                        subtype_xmlid="mail.mt_note")
            # Marked as a voice message, the chatter plays it inline (Odoo's voice player).
            message.attachment_ids.sudo()._set_voice_metadata()
            if (lead.priority or "0") < "2":
                lead.priority = "2"  # a caller who left a message is a hot lead
        if self.voicemail_transcription:
            self._post_voicemail_transcription()

    def _voicemail_attempt_failed(self, error):
        attempts = self.voicemail_attempts + 1
        if error.transient and attempts <= len(VOICEMAIL_RETRY_DELAYS):
            delay = VOICEMAIL_RETRY_DELAYS[attempts - 1] * random.uniform(0.8, 1.2)
            next_try = fields.Datetime.now() + timedelta(seconds=delay)
            self.write({"voicemail_attempts": attempts, "voicemail_next_try": next_try,
                        "voicemail_error": error.describe(self.env)})
            self.env.ref("crm_missed_call_textback.ir_cron_missed_call_voicemail")._trigger(next_try)
        else:
            self.write({"voicemail_state": "failed", "voicemail_attempts": attempts, "voicemail_next_try": False,
                        "voicemail_error": error.describe(self.env)})
            _logger.warning("Voicemail of call %s not stored: %s", self.call_sid, error)

    def _post_voicemail_transcription(self):
        if self.voicemail_transcription_posted or not self.lead_id:
            return
        self.lead_id.message_post(
            body=Markup("<p>%s</p><blockquote>%s</blockquote>") % (
                self.env._("Transcription of the voicemail from %s:", self.caller_display),
                self.voicemail_transcription),
            message_type="comment", subtype_xmlid="mail.mt_note")
        self.voicemail_transcription_posted = True
