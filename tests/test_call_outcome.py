import logging
from contextlib import nullcontext
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from ..models.crm_call_log import TwilioReplayExpired
from ..tools import twilio_api
from ..tools.twilio_api import TwilioError
from .common import (
    CALL_LOG_LOGGER,
    CALLER,
    FRIDAY_6PM_NY,
    LINE_NUMBER,
    TUESDAY_10PM_NY,
    WEDNESDAY_10AM_NY,
    WEDNESDAY_12_30PM_NY,
    MissedCallCommon,
    message_sid,
)


@tagged("post_install", "-at_install")
class TestCallOutcome(MissedCallCommon):

    def test_answered_call_is_logged_with_duration_and_no_text(self):
        log = self.new_call()
        with self.mock_twilio_send() as recorder:
            log._record_outcome("answered", False, 94)
        self.assertEqual((log.status, log.duration, log.textback_state), ("answered", 94, "none"))
        self.assertFalse(log.lead_id)
        self.assertEqual(recorder.sent, [])

    def test_each_missed_reason_texts_the_caller_once(self):
        for n, reason in enumerate(["no-answer", "busy", "failed", "canceled"], start=1):
            with self.subTest(reason=reason):
                log = self.new_call(n, caller=f"+1415555{n:04d}")
                sent = self.miss(log, reason)
                self.assertEqual((log.status, log.missed_reason), ("missed", reason))
                self.assertEqual(len(sent), 1)
                self.assertEqual(sent[0]["to"], f"+1415555{n:04d}")
                self.assertEqual(sent[0]["from"], LINE_NUMBER)
                self.assertTrue(sent[0]["status_callback"].endswith(f"/missed_call/twilio/message_status?log={log.id}"))
                self.assertEqual(log.textback_sid, message_sid(1))
                self.assertEqual(log.textback_state, "queued")

    def test_in_hours_missed_call_gets_the_in_hours_template(self):
        log = self.new_call(when=WEDNESDAY_10AM_NY)
        sent = self.miss(log)
        self.assertFalse(log.after_hours)
        self.assertEqual(log.textback_template_id, self.template_in_hours)
        self.assertEqual(sent[0]["body"], log.textback_body)
        self.assertIn("Acme Plumbing", log.textback_body)
        self.assertIn("within the hour", log.textback_body)

    def test_after_hours_missed_call_says_when_the_business_opens(self):
        log = self.new_call(when=TUESDAY_10PM_NY)
        self.miss(log)
        self.assertTrue(log.after_hours)
        self.assertEqual(log.textback_template_id, self.template_after_hours)
        self.assertIn("tomorrow at 8:00 AM", log.textback_body)

    def test_friday_evening_call_is_promised_a_call_back_on_monday(self):
        log = self.new_call(when=FRIDAY_6PM_NY)
        self.miss(log)
        self.assertIn("Monday at 8:00 AM", log.textback_body)

    def test_lunch_break_counts_as_after_hours(self):
        log = self.new_call(when=WEDNESDAY_12_30PM_NY)
        self.miss(log)
        self.assertTrue(log.after_hours)
        self.assertIn("today at 1:00 PM", log.textback_body)

    def test_line_without_after_hours_template_sends_the_in_hours_one(self):
        self.line.after_hours_template_id = False
        log = self.new_call(when=TUESDAY_10PM_NY)
        self.miss(log)
        self.assertEqual(log.textback_template_id, self.template_in_hours)
        self.assertEqual(log.textback_state, "queued")

    def test_recording_the_same_outcome_twice_sends_one_text(self):
        log = self.new_call()
        first = self.miss(log)
        second = self.miss(log)
        self.assertEqual(len(first), 1)
        self.assertEqual(second, [])
        self.assertEqual(self.env["crm.lead"].search_count([("phone_sanitized", "=", CALLER)]), 1)

    def test_withheld_caller_is_logged_without_text_or_lead(self):
        log = self.new_call(caller="Anonymous")
        sent = self.miss(log)
        self.assertEqual(sent, [])
        self.assertEqual((log.textback_state, log.textback_skip_reason), ("skipped", "withheld"))
        self.assertEqual(log.from_number, "Anonymous")
        self.assertFalse(log.lead_id)
        self.assertTrue(log.crm_synced)

    def test_blacklisted_caller_gets_no_text_but_a_lead(self):
        self.env["phone.blacklist"]._add([CALLER])
        log = self.new_call()
        sent = self.miss(log)
        self.assertEqual(sent, [])
        self.assertEqual((log.textback_state, log.textback_skip_reason), ("skipped", "blacklisted"))
        self.assertTrue(log.lead_id)

    def test_caller_number_that_no_phone_can_have_is_not_texted(self):
        log = self.new_call(caller="+1555123")
        sent = self.miss(log)
        self.assertEqual(sent, [])
        self.assertEqual(log.textback_skip_reason, "invalid_number")


@tagged("post_install", "-at_install")
class TestTextbackDelivery(MissedCallCommon):

    def test_transient_failure_is_retried_by_the_cron_until_sent(self):
        log = self.new_call()
        self.miss(log, outcomes=[TwilioError("Twilio error 503: unavailable", transient=True, status=503)])
        self.assertEqual(log.textback_state, "outgoing")
        self.assertFalse(log.textback_sid)
        self.assertEqual(log.textback_attempts, 1)
        self.assertIn("trying again", log.textback_error)
        self.assertGreater(log.textback_next_try, fields.Datetime.now())
        self.assertLess(log.textback_next_try, fields.Datetime.now() + timedelta(minutes=1))
        cron = self.env.ref("crm_missed_call_textback.ir_cron_textback_retry")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))

        # Not due yet: the cron leaves it alone.
        with self.mock_twilio_send() as recorder:
            self.run_retry_cron()
        self.assertEqual(recorder.sent, [])

        with freeze_time(log.textback_next_try + timedelta(seconds=1)), self.mock_twilio_send() as recorder:
            self.run_retry_cron()
        self.assertEqual(len(recorder.sent), 1)
        self.assertEqual(recorder.sent[0]["body"], log.textback_body)
        self.assertEqual((log.textback_state, log.textback_sid), ("queued", message_sid(1)))
        self.assertEqual(log.textback_attempts, 2)
        self.assertFalse(log.textback_error)
        self.assertFalse(log.textback_next_try)

    def test_cron_does_not_resend_a_text_sent_since_it_searched(self):
        log = self.new_call()
        self.miss(log, outcomes=[TwilioError("503", transient=True, status=503)])
        due_at = log.textback_next_try
        # Another worker sends it between the cron's search and its lock.
        original_try_lock = type(log)._try_lock

        def lock_after_someone_sent_it(record):
            self.env.cr.execute("UPDATE crm_call_log SET textback_sid = %s, textback_state = 'queued' WHERE id = %s",
                                [message_sid(9), record.id])
            return original_try_lock(record)

        with freeze_time(due_at + timedelta(seconds=1)), self.mock_twilio_send() as recorder, \
                patch.object(type(log), "_try_lock", lock_after_someone_sent_it):
            self.run_retry_cron()
        self.assertEqual(recorder.sent, [])
        self.assertEqual(log.textback_sid, message_sid(9))

    def test_network_errors_count_as_transient(self):
        log = self.new_call()
        self.miss(log, outcomes=[TwilioError("Could not reach Twilio: timed out", transient=True)])
        self.assertEqual(log.textback_state, "outgoing")
        self.assertTrue(log.textback_next_try)

    def test_transient_failures_give_up_after_the_last_attempt(self):
        log = self.new_call()
        error = TwilioError("Twilio error 429: too many requests", transient=True, status=429)
        self.miss(log, outcomes=[error])
        for _attempt in range(10):
            if log.textback_state != "outgoing":
                break
            last = log.textback_attempts == 6
            with freeze_time(log.textback_next_try + timedelta(seconds=1)), \
                    self.mock_twilio_send(outcomes=[error]), self.text_back_fails() if last else nullcontext():
                self.run_retry_cron()
        self.assertEqual(log.textback_state, "failed")
        self.assertEqual(log.textback_attempts, 7)
        self.assertIn("429", log.textback_error)

    def test_after_an_ambiguous_failure_the_retry_finds_the_text_and_does_not_send_twice(self):
        log = self.new_call()
        self.miss(log, outcomes=[TwilioError("Could not reach Twilio: read timed out", transient=True,
                                                 ambiguous=True)])
        self.assertTrue(log.textback_ambiguous)
        with freeze_time(log.textback_next_try + timedelta(seconds=1)), \
                self.mock_twilio_send(existing=(message_sid(77), "sent")) as recorder:
            self.run_retry_cron()
        self.assertEqual(recorder.sent, [])
        self.assertEqual(len(recorder.lookups), 1)
        self.assertEqual(recorder.lookups[0]["body"], log.textback_body)
        self.assertEqual(recorder.lookups[0]["to"], CALLER)
        self.assertEqual((log.textback_sid, log.textback_state), (message_sid(77), "sent"))
        self.assertFalse(log.textback_ambiguous)

    def test_after_an_ambiguous_failure_the_text_is_sent_when_twilio_has_none(self):
        log = self.new_call()
        self.miss(log, outcomes=[TwilioError("connection reset", transient=True, ambiguous=True)])
        with freeze_time(log.textback_next_try + timedelta(seconds=1)), \
                self.mock_twilio_send(existing=None) as recorder:
            self.run_retry_cron()
        self.assertEqual((len(recorder.lookups), len(recorder.sent)), (1, 1))
        self.assertTrue(log.textback_sid)

    def test_when_twilio_cannot_say_whether_the_text_exists_nothing_is_sent(self):
        log = self.new_call()
        self.miss(log, outcomes=[TwilioError("read timed out", transient=True, ambiguous=True)])
        unreachable = TwilioError("Could not reach Twilio: refused", transient=True)
        with freeze_time(log.textback_next_try + timedelta(seconds=1)), \
                self.mock_twilio_send(existing=unreachable) as recorder:
            self.run_retry_cron()
        self.assertEqual(recorder.sent, [])
        self.assertEqual((log.textback_state, log.textback_attempts), ("outgoing", 2))
        self.assertTrue(log.textback_ambiguous, "the next attempt asks again")

    def test_a_failure_before_the_request_left_sends_again_without_asking(self):
        log = self.new_call()
        self.miss(log, outcomes=[TwilioError("refused", transient=True, ambiguous=False)])
        with freeze_time(log.textback_next_try + timedelta(seconds=1)), self.mock_twilio_send() as recorder:
            self.run_retry_cron()
        self.assertEqual((len(recorder.lookups), len(recorder.sent)), (0, 1))

    def test_retry_after_from_twilio_is_respected(self):
        log = self.new_call()
        self.miss(log, outcomes=[TwilioError("Twilio error 429", transient=True, status=429, retry_after=600)])
        self.assertGreaterEqual(log.textback_next_try, fields.Datetime.now() + timedelta(seconds=590))

    def test_a_status_naming_a_text_whose_sender_died_gives_its_sid_and_nothing_is_sent_again(self):
        log = self.new_call(2, caller="+14155550142", when=fields.Datetime.now())
        # The send died after Twilio took the text: marked as possibly sent, no SID written.
        self.miss(log, outcomes=[TwilioError("Connection aborted", transient=True, ambiguous=True)])
        self.assertEqual((log.textback_state, log.textback_sid, log.textback_ambiguous), ("outgoing", False, True))
        self.CallLog._twilio_message_status(
            self.company, {"MessageSid": message_sid(7), "MessageStatus": "delivered"}, log_id=log.id)
        self.assertEqual((log.textback_sid, log.textback_state), (message_sid(7), "delivered"))
        self.assertFalse(log.textback_ambiguous)
        with freeze_time(fields.Datetime.now() + timedelta(hours=1)), self.mock_twilio_send() as recorder:
            self.run_retry_cron()
        self.assertEqual((recorder.lookups, recorder.sent), ([], []), "Twilio is neither asked nor sent to again")

    def test_a_status_naming_a_log_is_applied_only_to_that_log_text(self):
        log = self.new_call(2, caller="+14155550142", when=fields.Datetime.now())
        self.miss(log)
        other_text = {"MessageSid": message_sid(9), "MessageStatus": "failed"}
        self.CallLog._twilio_message_status(self.company, other_text, log_id=log.id)
        self.assertEqual(log.textback_state, "queued", "another text's status (an earlier attempt's) is not this one's")
        self.CallLog._twilio_message_status(
            self.company, {"MessageSid": log.textback_sid, "MessageStatus": "delivered"}, log_id=log.id)
        self.assertEqual(log.textback_state, "delivered")

    def test_permanent_failure_is_recorded_with_twilio_error_code(self):
        log = self.new_call()
        error = TwilioError("Twilio error 21610: Attempt to send to unsubscribed recipient",
                                transient=False, code=21610, status=400)
        with self.text_back_fails():
            sent = self.miss(log, outcomes=[error])
        self.assertEqual(len(sent), 1)
        self.assertEqual(log.textback_state, "failed")
        self.assertIn("21610", log.textback_error)
        self.assertFalse(log.textback_next_try)
        # The lead still gets the call, and says the text failed.
        self.assertIn("could not be sent", log.lead_id.message_ids[0].body)

    def test_retry_button_queues_a_failed_text_again(self):
        log = self.new_call()
        with self.text_back_fails():
            self.miss(log, outcomes=[TwilioError("Twilio error 30003", transient=False, code=30003)])
        log.action_retry_textback()
        self.assertEqual((log.textback_state, log.textback_attempts), ("outgoing", 0))
        with self.mock_twilio_send() as recorder:
            self.run_retry_cron()
        self.assertEqual(len(recorder.sent), 1)
        self.assertTrue(log.textback_sid)

    def test_a_failed_attempt_logs_one_english_line_and_no_translation_warning(self):
        # A cron has no request and no user language: the error must not be looked up in one.
        error = TwilioError(twilio_api.NOT_SENT_REFUSED, transient=True)
        with self.assertNoLogs("odoo.tools.translate", "WARNING"):
            self.assertIn("connection refused", str(error))
        log = self.new_call()
        # logging.INFO, not "INFO": Odoo names its level 25 "INFO" too.
        with self.assertNoLogs("odoo.tools.translate", "WARNING"), \
                self.assertLogs(CALL_LOG_LOGGER, logging.INFO) as logged:
            self.miss(log, outcomes=[error])
        retries = [record for record in logged.records if "will be tried again" in record.getMessage()]
        self.assertEqual(len(retries), 1)
        self.assertFalse(retries[0].exc_info or retries[0].stack_info, "one line, no stack trace")
        self.assertIn("connection refused", log.textback_error)

    def test_company_without_twilio_credentials_fails_clearly(self):
        self.company.twilio_auth_token = False
        log = self.new_call()
        with self.mock_twilio_send(), self.text_back_fails():
            log._record_outcome("missed", "no-answer", 0)
        self.assertEqual(log.textback_state, "failed")
        self.assertIn("Twilio is not configured", log.textback_error)


@tagged("post_install", "-at_install")
class TestMessageStatus(MissedCallCommon):

    def setUp(self):
        super().setUp()
        self.log = self.new_call(when=fields.Datetime.now())
        self.miss(self.log)

    def status(self, status, **extra):
        params = {"MessageSid": self.log.textback_sid, "MessageStatus": status, **extra}
        self.CallLog._twilio_message_status(self.company, params)

    def test_status_callbacks_move_the_state_forward(self):
        self.status("sent")
        self.assertEqual(self.log.textback_state, "sent")
        self.status("delivered")
        self.assertEqual(self.log.textback_state, "delivered")

    def test_a_late_status_never_moves_the_state_backwards(self):
        self.status("delivered")
        for late in ("sent", "queued", "sending", "accepted"):
            self.status(late)
            self.assertEqual(self.log.textback_state, "delivered")

    def test_undelivered_records_the_error_code(self):
        self.status("undelivered", ErrorCode="30006")
        self.assertEqual(self.log.textback_state, "undelivered")
        self.assertIn("30006", self.log.textback_error)

    def test_every_twilio_status_is_accepted(self):
        for status in ("accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered",
                       "failed", "read", "partially_delivered", "canceled", "receiving", "received", "new-one"):
            self.status(status)
        self.assertEqual(self.log.textback_state, "delivered")

    def test_status_of_another_company_message_changes_nothing(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        self.CallLog._twilio_message_status(other, {"MessageSid": self.log.textback_sid, "MessageStatus": "failed"})
        self.assertEqual(self.log.textback_state, "queued")

    def test_status_of_a_text_older_than_a_week_is_refused_as_a_replay(self):
        self.log.call_start = fields.Datetime.now() - timedelta(days=8)
        with self.assertRaises(TwilioReplayExpired):
            self.status("failed")
        self.assertEqual(self.log.textback_state, "queued")

    def test_status_of_a_text_sent_before_its_log_was_in_the_address_is_found_by_sid(self):
        self.status("delivered")  # no log id: the callback address of an earlier version
        self.assertEqual(self.log.textback_state, "delivered")

    def test_status_naming_another_company_log_changes_nothing(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        self.CallLog._twilio_message_status(
            other, {"MessageSid": self.log.textback_sid, "MessageStatus": "failed"}, log_id=self.log.id)
        self.assertEqual(self.log.textback_state, "queued")


@tagged("post_install", "-at_install")
class TestEverySendChecksTheCaller(MissedCallCommon):
    """An opt-out, a number found unreachable or turned into one of our lines counts at
    the moment of every send attempt, not only the first."""

    def stop(self, n=1):
        return self.env["crm.textback.reply"]._twilio_incoming_sms(self.company, {
            "MessageSid": message_sid(700 + n), "From": CALLER, "To": LINE_NUMBER, "Body": "STOP"})

    def test_a_text_waiting_for_its_retry_is_not_sent_after_stop(self):
        log = self.new_call()
        self.miss(log, outcomes=[TwilioError("Twilio error 503: unavailable", transient=True, status=503)])
        self.assertEqual(log.textback_state, "outgoing")
        self.stop()
        with freeze_time(log.textback_next_try + timedelta(seconds=1)), self.mock_twilio_send() as recorder:
            self.run_retry_cron()
        self.assertEqual(recorder.sent, [])
        self.assertEqual((log.textback_state, log.textback_skip_reason), ("skipped", "blacklisted"))

    def test_a_failed_text_retried_after_stop_is_not_sent(self):
        log = self.new_call()
        with self.text_back_fails():
            self.miss(log, outcomes=[TwilioError("Twilio error 30003", transient=False, code=30003)])
        self.stop()
        log.with_user(self.manager).action_retry_textback()
        with self.mock_twilio_send() as recorder:
            self.run_retry_cron()
        self.assertEqual(recorder.sent, [])
        self.assertEqual(log.textback_skip_reason, "blacklisted")

    def test_a_number_that_became_one_of_our_lines_is_not_texted_on_retry(self):
        log = self.new_call()
        self.miss(log, outcomes=[TwilioError("Twilio error 503: unavailable", transient=True, status=503)])
        self.line.copy({"name": "Second line", "number": CALLER})
        with freeze_time(log.textback_next_try + timedelta(seconds=1)), self.mock_twilio_send() as recorder:
            self.run_retry_cron()
        self.assertEqual((recorder.sent, log.textback_skip_reason), ([], "own_number"))

    def test_an_attempt_is_marked_possibly_sent_before_the_request_leaves(self):
        # As a webhook does it (auto_commit); each commit records the state it would make durable.
        log = self.new_call()
        log.write({"status": "missed", "missed_reason": "no-answer"})
        log._textback_queue()
        self.assertEqual((log.textback_state, log.textback_sid), ("outgoing", False))
        committed = []

        def commit(_records, auto_commit):
            if auto_commit:
                committed.append((log.textback_ambiguous, log.textback_sid, len(recorder.sent)))

        with self.mock_twilio_send() as recorder, patch.object(type(log), "_commit", commit):
            log._textback_send(auto_commit=True)
        first_commit = committed[0]
        self.assertEqual(first_commit, (True, False, 0),
                         "committed as possibly sent, with no SID, before anything went to Twilio")
        self.assertEqual(len(recorder.sent), 1)
        self.assertEqual((log.textback_ambiguous, bool(log.textback_sid)), (False, True),
                         "cleared once the answer is recorded")

    def test_after_a_crash_while_twilio_held_the_request_twilio_is_asked_before_sending_again(self):
        # What a process killed during the request leaves: outgoing, possibly sent.
        log = self.new_call()
        self.miss(log, outcomes=[TwilioError("Twilio error 503: unavailable", transient=True, status=503)])
        log.write({"textback_ambiguous": True, "textback_next_try": fields.Datetime.now() - timedelta(seconds=1)})
        with self.mock_twilio_send(existing=(message_sid(5), "sent")) as recorder:
            self.run_retry_cron()
        self.assertEqual(len(recorder.lookups), 1, "Twilio's list was read first")
        self.assertEqual(recorder.sent, [], "the text it holds is not sent twice")
        self.assertEqual((log.textback_sid, log.textback_state), (message_sid(5), "sent"))
