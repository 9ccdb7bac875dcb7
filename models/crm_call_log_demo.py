import io
import math
import random
import uuid
import wave
from contextlib import contextmanager
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

# Calls per local hour on a weekday: a morning and an afternoon peak.
HOURLY_WEIGHTS = {7: 2, 8: 6, 9: 9, 10: 10, 11: 9, 12: 7, 13: 8, 14: 9, 15: 9, 16: 7, 17: 4, 18: 2, 19: 1, 20: 1}
# Share of calls missed per local hour: lunch and evenings are the weak spots.
MISSED_SHARE = {12: 0.45, 13: 0.3, 17: 0.35, 18: 0.6, 19: 0.7, 20: 0.8}
# The follow-up story's caller.
FOLLOW_UP_CALLER = "+14155550187"
# What the demo data makes in Odoo's own models through the add-on's paths (the CRM update,
# a reply, a voicemail, an SMS): uninstalling the add-on removes it with the rest of its demo.
DEMO_MADE_MODELS = (
    "res.partner", "crm.lead", "mail.activity", "mail.message", "mail.followers", "mail.notification",
    "mail.tracking.value", "ir.attachment", "sms.sms",
)


def demo_sid(prefix):
    """A Twilio-shaped SID of its own for each piece of demo data."""
    return f"{prefix}{uuid.uuid4().hex}"


def demo_voicemail_audio(seconds=3, rate=8000):
    """A short WAV (a soft two-tone chime) standing in for a recorded voicemail."""
    frames = bytearray()
    for n in range(seconds * rate):
        t = n / rate
        envelope = min(1.0, t * 4, (seconds - t) * 4) * (0.55 + 0.45 * math.sin(2 * math.pi * 1.5 * t))
        sample = envelope * 0.3 * (math.sin(2 * math.pi * 440 * t) + 0.5 * math.sin(2 * math.pi * 660 * t))
        frames += int(max(-1.0, min(1.0, sample)) * 32767).to_bytes(2, "little", signed=True)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(bytes(frames))
    return buffer.getvalue()


class CrmCallLogDemo(models.Model):
    _inherit = "crm.call.log"

    @api.model
    def _generate_demo_calls(self, line_id, count=300, days=60, seed=42):
        """Calls over the last ``days`` days with a realistic daily pattern, their
        text-backs, leads in every stage and call-backs: demo data only."""
        # Past calls: no pop-up, no "activity assigned" email to the salesperson.
        quiet = self.with_context(crm_missed_call_no_notification=True, mail_activity_quick_update=True,
                                  tracking_disable=True, mail_notrack=True)
        with self._demo_data_of_module("demo_calls"):
            return quiet._create_demo_calls(line_id, count, days, seed)

    @contextmanager
    def _demo_data_of_module(self, prefix):
        """Every record of DEMO_MADE_MODELS made inside gets an XML id of this module (noupdate),
        as each record of a demo file has one, so that uninstalling the add-on deletes it."""
        last_ids = {}
        for model in DEMO_MADE_MODELS:
            self.env.cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(self.env[model]._table)))
            last_ids[model] = self.env.cr.fetchone()[0]
        yield
        self.env.flush_all()
        data = []
        for model, last_id in last_ids.items():
            Model = self.env[model].sudo().with_context(active_test=False)
            data += [{"xml_id": f"crm_missed_call_textback.{prefix}_{Model._table}_{record.id}", "record": record,
                      "noupdate": True} for record in Model.search([("id", ">", last_id)], order="id")]
        self.env["ir.model.data"]._update_xmlids(data)

    def _create_demo_calls(self, line_id, count, days, seed):
        line = self.env["crm.phone.line"].browse(line_id)
        rng = random.Random(seed)
        tz = line._calendar_tz()
        now = fields.Datetime.now()
        stages = self.env["crm.stage"].search([], limit=20)
        hours, weights = zip(*HOURLY_WEIGHTS.items(), strict=True)
        for _n in range(count):
            day = (now - timedelta(days=rng.randrange(days))).date()
            if day.weekday() >= 5 and rng.random() < 0.7:
                day -= timedelta(days=2)
            local = tz.localize(fields.Datetime.to_datetime(day).replace(
                hour=rng.choices(hours, weights)[0], minute=rng.randrange(60)))
            start = local.astimezone(pytz.utc).replace(tzinfo=None)
            if start > now:
                start -= timedelta(days=7)
            missed = rng.random() < MISSED_SHARE.get(local.hour, 0.18)
            log = self.create({
                "call_sid": f"CA{rng.getrandbits(128):032x}",
                "line_id": line.id,
                "from_number": f"+1415555{rng.randrange(10000):04d}",
                "call_start": start,
                "status": "missed" if missed else "answered",
                "duration": 0 if missed else rng.randint(25, 600),
            })
            if not missed:
                continue
            state = rng.choices(["delivered", "sent", "undelivered"], [88, 7, 5])[0]
            # The template and its merge fields as the text-back path chooses and fills them.
            after_hours = not line._is_open_at(start)
            template = (line.after_hours_template_id if after_hours else line.template_id) or line.template_id
            log.write({
                "missed_reason": rng.choices(["no-answer", "busy", "canceled"], [75, 10, 15])[0],
                "after_hours": after_hours,
                "next_opening_text": after_hours and line._next_opening_in_words(start),
                "textback_state": state,
                "textback_sid": f"SM{rng.getrandbits(128):032x}",
                "textback_template_id": template.id,
                "responded": rng.random() < 0.4,
            })
            log.textback_body = template._render_for_call(log) if template else False
            log._crm_sync()
            if rng.random() < 0.65:
                seconds = rng.choice([90, 180, 240, 420, 900, 2700, 7200])
                log._mark_called_back(start + timedelta(seconds=seconds))
            lead = log.lead_id
            if lead and stages:
                lead.write({"stage_id": stages[rng.randrange(len(stages))].id,
                            "expected_revenue": rng.choice([180, 250, 400, 650, 1200])})
                if rng.random() < 0.15 and not lead.stage_id.is_won:  # Odoo refuses to lose a won lead
                    lead.action_set_lost()

    @api.model
    def _generate_demo_follow_up(self, line_id):
        """A missed call of the last hour followed up the way the add-on lets a salesperson
        do it: a voicemail with its transcription, the caller's reply to the text-back, a
        text sent from the line, and an answered call-back from the business number:
        demo data only."""
        with self._demo_data_of_module("demo_follow_up"):
            return self._create_demo_follow_up(line_id)

    def _create_demo_follow_up(self, line_id):
        quiet = self.with_context(crm_missed_call_no_notification=True, mail_activity_quick_update=True)
        line = self.env["crm.phone.line"].browse(line_id)
        salesperson = line.user_id or self.env.user
        start = fields.Datetime.now() - timedelta(minutes=40)
        log = quiet.create({
            "call_sid": demo_sid("CA"), "line_id": line.id, "from_number": FOLLOW_UP_CALLER,
            "call_start": start, "status": "missed", "missed_reason": "no-answer",
        })
        after_hours = not line._is_open_at(start)
        template = (line.after_hours_template_id if after_hours else line.template_id) or line.template_id
        log.write({"textback_state": "delivered", "textback_sid": demo_sid("SM"),
                   "textback_template_id": template.id, "after_hours": after_hours,
                   "next_opening_text": after_hours and line._next_opening_in_words(start)})
        log.textback_body = template._render_for_call(log) if template else False
        log._crm_sync()

        log.write({"voicemail_state": "recorded", "voicemail_recording_sid": demo_sid("RE"),
                   "voicemail_duration": 17, "voicemail_transcription": self.env._(
                       "Hi, this is Dana on Maple Street. The water heater in my garage is leaking onto the "
                       "floor. Please call me back as soon as you can, thanks.")})
        log._attach_voicemail(demo_voicemail_audio(seconds=log.voicemail_duration), mimetype="audio/wav")

        self.env["crm.textback.reply"]._twilio_incoming_sms(line.company_id, {
            "MessageSid": demo_sid("SM"), "To": line.number, "From": FOLLOW_UP_CALLER,
            "Body": self.env._("Yes please, it's leaking fast. I'm home all afternoon."),
        })
        # The salesperson's text from the lead's chatter, through the line, delivered.
        message = log.lead_id.with_user(salesperson)._message_sms(
            self.env._("Hi Dana, it's %(name)s from %(company)s. I'm calling you in 2 minutes.",
                       name=salesperson.name, company=line.company_id.name),
            sms_numbers=[FOLLOW_UP_CALLER], put_in_queue=True)
        sms = self.env["sms.sms"].sudo().search([("mail_message_id", "=", message.id)])
        sms.write({"missed_call_line_id": line.id, "twilio_sid": demo_sid("SM"),
                   "state": "pending", "to_delete": True})
        for one in sms:
            self.env["sms.sms"]._twilio_sms_status(line.company_id, one.uuid, "delivered")

        callback = quiet._log_call_back(line, FOLLOW_UP_CALLER, salesperson, callback_of=log,
                                        call_start=start + timedelta(minutes=4),
                                        agent_answered_at=start + timedelta(minutes=4, seconds=10))
        callback._twilio_call_back_dialed("completed", 192)
        return log
