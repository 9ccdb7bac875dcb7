"""The Twilio REST boundary against real HTTP servers: a local server that
answers as a failing Twilio would, and the Twilio API stand-in (Prism), which
also checks that the fake used without it accepts only what Twilio's spec does."""
import itertools
import json
import socket
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import skipUnless
from unittest.mock import patch

import requests

from odoo.tests import BaseCase, tagged

from ..tools import twilio_api
from .common import ACCOUNT_SID, AUTH_TOKEN, NO_STAND_IN, TWILIO_STAND_IN_URL, TwilioApiMixin
from .twilio_fake import FAKE_TWILIO_URL, SHAPES, FakeTwilio

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
        with self.assertRaises(twilio_api.TwilioError) as caught:
            twilio_api.TwilioApi(client or self.client).send_message(**MESSAGE)
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

    def assert_reads_as_a_sentence(self, error):
        text = str(error)
        for noise in ("object at 0x", "Pool(", "Error(", "<urllib3", "Could not reach Twilio: Could"):
            self.assertNotIn(noise, text)
        self.assertTrue(text.endswith("."), text)

    def test_connection_refused_says_what_is_wrong_and_what_to_do(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        error = self.send(client=twilio_api.get_client(ACCOUNT_SID, AUTH_TOKEN, f"http://127.0.0.1:{port}"))
        self.assertIn("could not connect to Twilio (connection refused)", str(error))
        self.assertIn("firewall", str(error))
        self.assert_reads_as_a_sentence(error)

    def test_an_unknown_host_is_a_dns_problem_and_sent_nothing(self):
        # localhost, since the test harness lets only it through; its lookup fails as an unknown host would.
        client = twilio_api.get_client(ACCOUNT_SID, AUTH_TOKEN, "http://localhost:9")
        with patch("socket.getaddrinfo", side_effect=socket.gaierror(-2, "Name or service not known")):
            error = self.send(client=client)
        self.assertIn("could not look up Twilio's address (DNS)", str(error))
        self.assertFalse(error.ambiguous)
        self.assert_reads_as_a_sentence(error)

    def test_refused_credentials_are_explained(self):
        error = self.send((401, {}, {"code": 20003, "message": "Authenticate", "status": 401}))
        self.assertIn("refused the Account SID and Auth Token (error 20003)", str(error))
        self.assertFalse(error.transient)

    def test_a_dropped_connection_says_odoo_checks_before_trying_again(self):
        error = self.send((None, {}, {}))
        self.assertIn("broke before Twilio answered", str(error))
        self.assert_reads_as_a_sentence(error)

    def test_a_text_created_in_the_same_second_as_its_attempt_is_found(self):
        # Twilio's date_created has whole seconds; the attempt began 0.7 s into that second.
        sent = {"sid": "SM" + "a" * 32, "to": MESSAGE["to"], "from": MESSAGE["from_"], "body": "Hi",
                "status": "queued", "date_created": "Sat, 28 Nov 2026 14:00:00 +0000"}
        page = {"messages": [sent], "next_page_uri": None, "page": 0, "page_size": 20}
        self.server.replies[:] = [(200, {}, page), (200, {}, page)]
        twilio = twilio_api.TwilioApi(self.client)
        found = twilio.find_sent_message(to=MESSAGE["to"], from_=MESSAGE["from_"], body="Hi",
                                         sent_after=datetime(2026, 11, 28, 14, 0, 0, 700000, timezone.utc))
        self.assertEqual(found, (sent["sid"], "queued"))
        later = twilio.find_sent_message(to=MESSAGE["to"], from_=MESSAGE["from_"], body="Hi",
                                         sent_after=datetime(2026, 11, 28, 14, 0, 1, tzinfo=timezone.utc))
        self.assertIsNone(later, "a text of an earlier second is another one")

    def test_read_timeout_is_ambiguous_and_connect_timeout_is_not(self):
        self.assertTrue(twilio_api._request_may_have_been_sent(requests.ReadTimeout()))
        self.assertFalse(twilio_api._request_may_have_been_sent(requests.ConnectTimeout()))


@tagged("post_install", "-at_install")
@skipUnless(TWILIO_STAND_IN_URL, NO_STAND_IN)
class TestTwilioApiStandIn(BaseCase):
    """Requests the spec accepts: Prism answers 4xx to anything else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = twilio_api.get_client(ACCOUNT_SID, AUTH_TOKEN, TWILIO_STAND_IN_URL)

    def test_send_message_is_accepted_by_twilio_spec(self):
        sid, status = twilio_api.TwilioApi(self.client).send_message(**MESSAGE)
        self.assertRegex(sid, r"^SM[0-9a-f]{32}$")
        self.assertEqual(status, "queued")

    def test_listing_sent_messages_is_accepted_by_twilio_spec(self):
        # Prism answers with the spec's example messages: none of them is ours.
        found = twilio_api.TwilioApi(self.client).find_sent_message(
            to=MESSAGE["to"], from_=MESSAGE["from_"], body="Hi", sent_after=datetime(2026, 11, 1, tzinfo=timezone.utc))
        self.assertIsNone(found)

    def test_line_type_lookup_is_accepted_by_twilio_spec(self):
        # Prism answers with the spec's first example, which has no line type.
        self.assertIsNone(twilio_api.TwilioApi(self.client).lookup_line_type("+14155550123"))

    def test_every_request_the_fake_accepts_is_accepted_by_twilio_spec(self):
        for shape in SHAPES:
            # Each member of each exclusive group (From or MessagingServiceSid), one at a time,
            # as the add-on sends them.
            for chosen in itertools.product(*(sorted(group) for group in shape.one_of)):
                params = {name: value for name, value in shape.params.items()
                          if not any(name in group and name not in chosen for group in shape.one_of)}
                with self.subTest(shape=shape.name, chosen=chosen):
                    self.assert_accepted_by_spec_and_fake(shape, params)

    def assert_accepted_by_spec_and_fake(self, shape, params):
        url = TWILIO_STAND_IN_URL + shape.example_path(ACCOUNT_SID)
        kwargs = {"data": params} if shape.method == "POST" else {"params": params}
        response = requests.request(shape.method, url, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=10, **kwargs)
        self.assertLess(response.status_code, 300, f"{shape.name}: {response.text[:500]}")
        self.assertFalse(FakeTwilio()._answer(requests.Request(
            shape.method, FAKE_TWILIO_URL + shape.example_path(ACCOUNT_SID),
            auth=(ACCOUNT_SID, AUTH_TOKEN), **kwargs).prepare())[0] >= 300, "and the fake accepts it")


@tagged("post_install", "-at_install")
class TestFakeTwilio(TwilioApiMixin, BaseCase):
    """The fake refuses what the add-on never sends, as Twilio would refuse it."""

    @classmethod
    def setUpClass(cls):
        super(TwilioApiMixin, cls).setUpClass()  # no database: no API base URL to set
        cls.client = twilio_api.get_client(ACCOUNT_SID, AUTH_TOKEN, FAKE_TWILIO_URL)

    def test_a_text_the_add_on_sends_is_answered_as_twilio_answers(self):
        sid, status = twilio_api.TwilioApi(self.client).send_message(**MESSAGE)
        self.assertEqual((sid, status), ("SM" + "a" * 32, "queued"))

    def test_unknown_or_missing_parameters_are_refused(self):
        with self.assertRaisesRegex(twilio_api.TwilioError, "exactly one of From, MessagingServiceSid"):
            twilio_api._call(self.client, lambda: self.client.messages.create(to="+14155550123", body="Hi"))
        with self.assertRaisesRegex(twilio_api.TwilioError, "unexpected parameter MediaUrl"):
            twilio_api._call(self.client, lambda: self.client.messages.create(
                to="+14155550123", from_="+14155550100", body="Hi", media_url=["https://x.example/a.png"]))

    def test_another_account_credentials_are_refused(self):
        other = twilio_api.get_client("AC" + "2" * 32, AUTH_TOKEN, FAKE_TWILIO_URL)
        with self.assertRaises(twilio_api.TwilioError) as caught:
            twilio_api._call(other, lambda: other.api.v2010.accounts(ACCOUNT_SID).fetch())
        self.assertEqual(caught.exception.status, 401)
