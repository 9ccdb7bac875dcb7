"""Voicemail on a line, through Odoo's real HTTP stack: the greeting and the recording
after the text-back, the recording stored on the call and its lead (fetched with the
company's credentials, the metadata request validated by the stand-in), its
transcription, the lead's priority, and the recording deleted at Twilio on request."""
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..tools import twilio_api
from .common import CALLER, LINE_NUMBER, call_sid
from .test_webhooks import TwilioWebhookCase
from .twilio_fake import EXAMPLE_AUDIO

RECORDING_SID = "RE" + "7" * 32


@tagged("post_install", "-at_install")
class TestVoicemail(TwilioWebhookCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.line.write({"voicemail": True, "voicemail_max_length": 90,
                        "voicemail_greeting": "Leave a message after the tone."})

    def missed_call_with_voicemail(self, n=1, caller=CALLER):
        self.incoming_call(n, caller=caller)
        with self.spy_sends() as sends:
            root = self.twiml(self.dial_status(n, status="no-answer", caller=caller))
        self.assertEqual(sends.call_count, 1, "the text-back went out before the greeting")
        return self.CallLog.search([("call_sid", "=", call_sid(n))]), root

    def voicemail_post(self, route, log, **params):
        return self.post(f"/missed_call/twilio/{route}?log={log.id}", self.call_params(
            CallSid=log.call_sid, CallStatus="completed", RecordingSid=RECORDING_SID, **params))

    def store(self):
        self.run_crm_cron()
        self.run_voicemail_cron()
        self.env.invalidate_all()

    def test_a_missed_caller_hears_the_greeting_and_may_leave_a_message(self):
        log, root = self.missed_call_with_voicemail()
        self.assertEqual(log.textback_state, "queued", "texted before the voicemail")
        self.assertEqual(root.findtext("Say"), "Leave a message after the tone.")
        record = root.find("Record")
        self.assertEqual(record.get("maxLength"), "90")
        self.assertTrue(record.get("action").startswith(f"{log.line_id.voicemail_webhook_url}?"),
                        "the line form shows the address Twilio is given")
        self.assertIn(f"recording_status?log={log.id}", record.get("recordingStatusCallback"))
        self.assertIn(f"transcription?log={log.id}", record.get("transcribeCallback"))
        self.assertEqual(record.get("transcribe"), "true")

    def test_a_voicemail_is_stored_on_the_call_and_its_lead_which_becomes_hot(self):
        log, _root = self.missed_call_with_voicemail()
        self.assertEqual(self.voicemail_post("recording_status", log, RecordingStatus="completed",
                                             RecordingDuration="17").status_code, 200)
        self.assertEqual((log.voicemail_state, log.voicemail_recording_sid, log.voicemail_duration),
                         ("recorded", RECORDING_SID, 17))
        self.media_downloads.clear()
        with self.spy_requests() as requests_sent:
            self.store()
        self.assertEqual(log.voicemail_state, "stored")
        self.assertEqual(self.media_downloads, [RECORDING_SID])
        self.assertTrue(any(call.args[2].endswith(f"/Recordings/{RECORDING_SID}.json")
                            for call in requests_sent.call_args_list), "the recording was looked up first")
        self.assertEqual((log.voicemail_attachment_id.raw, log.voicemail_attachment_id.mimetype),
                         (EXAMPLE_AUDIO, "audio/mpeg"))
        self.assertEqual((log.voicemail_attachment_id.res_model, log.voicemail_attachment_id.res_id),
                         ("crm.call.log", log.id))
        message = log.lead_id.message_ids[0]
        self.assertIn("Voicemail from", message.body)
        self.assertEqual(message.attachment_ids.mimetype, "audio/mpeg")
        self.assertTrue(message.attachment_ids.voice_ids, "the chatter plays it with Odoo's voice player")
        self.assertGreaterEqual(log.lead_id.priority, "2", "a caller who left a message is a hot lead")
        # Twilio delivers the status again: nothing is fetched twice.
        self.voicemail_post("recording_status", log, RecordingStatus="completed", RecordingDuration="17")
        self.store()
        self.assertEqual(self.media_downloads, [RECORDING_SID])

    def test_the_transcription_is_posted_with_the_voicemail(self):
        log, _root = self.missed_call_with_voicemail()
        self.voicemail_post("transcription", log, TranscriptionStatus="completed",
                            TranscriptionText="Hi, my kitchen sink is leaking, please call me back.")
        self.voicemail_post("recording_status", log, RecordingStatus="completed", RecordingDuration="9")
        self.store()
        bodies = " ".join(log.lead_id.message_ids.mapped("body"))
        self.assertIn("kitchen sink is leaking", bodies)
        self.assertIn("kitchen sink is leaking", log.voicemail_transcription)
        # A late transcription of a stored voicemail is posted at once, and once.
        other, _root = self.missed_call_with_voicemail(2, caller="+14155550166")
        self.voicemail_post("recording_status", other, RecordingStatus="completed", RecordingDuration="5")
        self.store()
        for _delivery in range(2):
            self.voicemail_post("transcription", other, TranscriptionStatus="completed", TranscriptionText="Call me.")
        self.assertEqual(len(other.lead_id.message_ids.filtered(lambda m: "Call me." in m.body)), 1)

    def test_recordings_are_deleted_at_twilio_when_the_line_says_so(self):
        self.line.voicemail_delete_at_twilio = True
        log, _root = self.missed_call_with_voicemail()
        self.voicemail_post("recording_status", log, RecordingStatus="completed", RecordingDuration="4")
        with self.spy_requests() as requests_sent:
            self.store()
        deletes = [call for call in requests_sent.call_args_list if call.args[1] == "DELETE"]
        self.assertEqual(len(deletes), 1)
        self.assertTrue(deletes[0].args[2].endswith(f"/Recordings/{RECORDING_SID}.json"))

    def test_a_neutralized_database_downloads_no_recording(self):
        self.env["ir.config_parameter"].set_param("database.is_neutralized", True)
        log, _root = self.missed_call_with_voicemail()
        self.voicemail_post("recording_status", log, RecordingStatus="completed", RecordingDuration="4")
        self.media_downloads.clear()
        self.store()
        self.assertEqual((log.voicemail_state, self.media_downloads), ("failed", []))
        self.assertIn("neutralized", log.voicemail_error)

    def test_a_transient_failure_is_tried_again(self):
        log, _root = self.missed_call_with_voicemail()
        self.voicemail_post("recording_status", log, RecordingStatus="completed", RecordingDuration="4")
        error = twilio_api.TwilioError("Twilio is down", transient=True, status=503)
        with patch.object(twilio_api.TwilioApi, "download_recording", side_effect=error):
            self.store()
        self.assertEqual((log.voicemail_state, log.voicemail_attempts), ("recorded", 1))
        self.assertTrue(log.voicemail_next_try)

    def test_recordings_follow_the_call_access_rules(self):
        log, _root = self.missed_call_with_voicemail()
        self.voicemail_post("recording_status", log, RecordingStatus="completed", RecordingDuration="4")
        self.store()
        outsider = new_test_user(self.env, login="mctb_vm_outsider", groups="sales_team.group_sale_salesman",
                                 company_id=self.other_company.id, company_ids=[(6, 0, self.other_company.ids)])
        with self.assertRaises(AccessError):
            log.voicemail_attachment_id.with_user(outsider).read(["raw"])

    def test_a_line_without_voicemail_says_its_message_and_hangs_up(self):
        self.line.voicemail = False
        log, root = self.missed_call_with_voicemail()
        self.assertIsNone(root.find("Record"))
        self.assertIsNotNone(root.find("Hangup"))
        response = self.voicemail_post("recording_status", log, RecordingStatus="completed")
        self.assertEqual(response.status_code, 200)

    def test_a_recording_status_signed_by_another_account_is_refused(self):
        log, _root = self.missed_call_with_voicemail()
        params = self.call_params(CallSid=log.call_sid, RecordingSid=RECORDING_SID, RecordingStatus="completed",
                                  To=LINE_NUMBER)
        with self.refused():
            response = self.post(f"/missed_call/twilio/recording_status?log={log.id}", params, signature="forged")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(log.voicemail_recording_sid)
