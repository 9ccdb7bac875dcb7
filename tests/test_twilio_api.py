"""The Twilio REST boundary against real HTTP servers: a local server that
answers as a failing Twilio would, and the Twilio API stand-in (Prism)."""
import json
import socket
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from odoo.tests import BaseCase, tagged

from ..tools import twilio_api
from .common import ACCOUNT_SID, AUTH_TOKEN, twilio_stand_in_url

MESSAGE = {"to": "+14155550123", "from_": "+14155550100", "body": "Hi", "status_callback": "https://x.example/cb"}


class FailingTwilio(BaseHTTPRequestHandler):
    """Answers every request with the server's next planned reply."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, body = self.server.replies.pop(0)
        if status is None:  # drop the connection after reading the request
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        payload = json.dumps(body).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestTwilioApiFaults(BaseCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FailingTwilio)
        cls.server.replies = []
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.server.shutdown)
        cls.client = twilio_api.get_client(ACCOUNT_SID, AUTH_TOKEN, f"http://127.0.0.1:{cls.server.server_port}")

    def send(self, *replies, client=None):
        self.server.replies[:] = list(replies)
        with self.assertRaises(twilio_api.TwilioSendError) as caught:
            twilio_api.send_message(client or self.client, **MESSAGE)
        return caught.exception

    def test_server_errors_are_transient(self):
        for status in (500, 502, 503):
            with self.subTest(status=status):
                error = self.send((status, {}, {"code": 20500, "message": "Internal error", "status": status}))
                self.assertTrue(error.transient)
                self.assertFalse(error.ambiguous)

    def test_too_many_requests_is_transient_and_keeps_retry_after(self):
        error = self.send((429, {"Retry-After": "120"}, {"code": 20429, "message": "Too Many Requests", "status": 429}))
        self.assertTrue(error.transient)
        self.assertEqual(error.retry_after, 120)

    def test_client_errors_are_permanent_with_twilio_code(self):
        error = self.send((400, {}, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}))
        self.assertFalse(error.transient)
        self.assertEqual(error.code, 21211)
        self.assertIn("21211", str(error))

    def test_connection_dropped_after_the_request_is_ambiguous(self):
        error = self.send((None, {}, {}))
        self.assertTrue(error.transient)
        self.assertTrue(error.ambiguous, "the request reached the server: the text may exist")

    def test_connection_refused_sent_nothing(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        refused = twilio_api.get_client(ACCOUNT_SID, AUTH_TOKEN, f"http://127.0.0.1:{port}")
        error = self.send(client=refused)
        self.assertTrue(error.transient)
        self.assertFalse(error.ambiguous)

    def test_read_timeout_is_ambiguous_and_connect_timeout_is_not(self):
        self.assertTrue(twilio_api._request_may_have_been_sent(requests.ReadTimeout()))
        self.assertFalse(twilio_api._request_may_have_been_sent(requests.ConnectTimeout()))


@tagged("post_install", "-at_install")
class TestTwilioApiStandIn(BaseCase):
    """Requests the spec accepts: Prism answers 4xx to anything else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = twilio_api.get_client(ACCOUNT_SID, AUTH_TOKEN, twilio_stand_in_url())

    def test_send_message_is_accepted_by_twilio_spec(self):
        sid, status = twilio_api.send_message(self.client, **MESSAGE)
        self.assertRegex(sid, r"^SM[0-9a-f]{32}$")
        self.assertEqual(status, "queued")

    def test_listing_sent_messages_is_accepted_by_twilio_spec(self):
        # Prism answers with the spec's example messages: none of them is ours.
        found = twilio_api.find_sent_message(
            self.client, to=MESSAGE["to"], from_=MESSAGE["from_"], body="Hi",
            sent_after=datetime(2026, 11, 1, tzinfo=timezone.utc))
        self.assertIsNone(found)

    def test_line_type_lookup_is_accepted_by_twilio_spec(self):
        # Prism answers with the spec's first example, which has no line type.
        self.assertIsNone(twilio_api.lookup_line_type(self.client, "+14155550123"))
