"""The one place this add-on talks to Twilio's REST API.

Everything goes through the official twilio library. When a base URL is
configured (system parameter ``crm_missed_call_textback.twilio_api_base_url``),
the HTTP client sends every request there instead of ``https://*.twilio.com``:
a sandbox, or the Twilio API stand-in the tests run.
"""
import functools
import logging
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3.exceptions
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from odoo.tools.translate import LazyGettext, LazyTranslate

_lt = LazyTranslate(__name__)

# The twilio library logs every request and its headers at INFO: keep Odoo's log readable.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

# Seconds to wait for Twilio: the caller is still on the line while we send.
REQUEST_TIMEOUT = 10

# HTTP statuses worth another try later; any other 4xx is final.
TRANSIENT_HTTP_STATUSES = frozenset({408, 409, 425, 429})
# Longest wait a Retry-After header may impose on us.
MAX_RETRY_AFTER = 3600


class TwilioError(Exception):
    """A failed request to Twilio (a text, a call, a recording, a number, the account's
    credentials) or a Twilio set-up Odoo cannot use.

    ``transient``: trying again later may succeed. ``ambiguous``: the request may have
    reached Twilio before the connection failed, so the text may exist already.
    ``retry_after``: seconds Twilio asked us to wait (429, 503), if it said so.
    ``message`` may be a lazy translation, formatted with ``params``: ``describe(env)``
    gives it in the language of ``env``, ``str()`` in English (for the server's log)."""

    def __init__(self, message, *, transient, code=None, status=None, ambiguous=False, retry_after=None,
                 params=None):
        super().__init__(message)
        self.message = message
        self.params = params or {}
        self.transient = transient
        self.code = code
        self.status = status
        self.ambiguous = ambiguous
        self.retry_after = retry_after

    def describe(self, env):
        """What went wrong, for people: in the language of ``env`` (English without one)."""
        return self._format(env._(self.message) if isinstance(self.message, LazyGettext) else self.message)

    def __str__(self):
        # Never str() of the lazy message: outside a request it has no language to look
        # up, and Odoo logs a warning with a stack trace for each failure.
        english = self.message._translate("en_US") if isinstance(self.message, LazyGettext) else self.message
        return self._format(english)

    def _format(self, text):
        return str(text) % self.params if self.params else str(text)


# What went wrong on the way to Twilio, by the exception requests raised, and whether
# the request may have reached Twilio (then a text may exist although we got no answer).
NOT_SENT_DNS = _lt("This server could not look up Twilio's address (DNS). Check its internet access and DNS "
                   "settings; Odoo tries again.")
NOT_SENT_REFUSED = _lt("This server could not connect to Twilio (connection refused). Check its internet access, "
                       "proxy and firewall; Odoo tries again.")
NOT_SENT_TLS = _lt("This server could not open a secure connection to Twilio. Check its clock and its CA "
                   "certificates; Odoo tries again.")
NOT_SENT_CONNECT_TIMEOUT = _lt("Twilio did not accept the connection within %(seconds)s seconds. Check this "
                               "server's internet access; Odoo tries again.")
MAYBE_SENT_READ_TIMEOUT = _lt("Twilio did not answer within %(seconds)s seconds; Odoo checks whether it "
                              "received the request before trying again.")
MAYBE_SENT_DROPPED = _lt("The connection to Twilio broke before Twilio answered; Odoo checks whether it "
                         "received the request before trying again.")
CREDENTIALS_REFUSED = _lt("Twilio refused the Account SID and Auth Token (error %(code)s). Copy them again from "
                          "the Twilio Console (Account Info) into the settings.")
TWILIO_ERROR = _lt("Twilio error %(code)s: %(message)s")
RECORDING_TOO_LARGE = _lt("The recording is larger than %(mb)s MB: it stays at Twilio.")


class OdooTwilioHttpClient(TwilioHttpClient):
    """TwilioHttpClient that can send every request to ``base_url`` instead of
    Twilio, and keeps the headers of the last response of each thread (Retry-After)."""

    def __init__(self, base_url=None, **kwargs):
        super().__init__(**kwargs)
        self.base_url = urlsplit(base_url.rstrip("/")) if base_url else None
        self._local = threading.local()

    def _rebase(self, url):
        if not self.base_url:
            return url
        parts = urlsplit(url)
        return urlunsplit((
            self.base_url.scheme, self.base_url.netloc, self.base_url.path + parts.path, parts.query, parts.fragment))

    def request(self, method, url, *args, **kwargs):
        self._local.headers = {}
        response = super().request(method, self._rebase(url), *args, **kwargs)
        self._local.headers = response.headers or {}
        return response

    def download(self, url, auth, max_bytes):
        """The body of a GET of ``url`` as bytes (the twilio client's responses are text),
        at most ``max_bytes``; a larger body raises ValueError."""
        session = self.session or requests.Session()
        with session.get(self._rebase(url), auth=auth, timeout=self.timeout, stream=True) as response:
            response.raise_for_status()
            content = bytearray()
            for chunk in response.iter_content(64 * 1024):
                content += chunk
                if len(content) > max_bytes:
                    raise ValueError("too large")
            return bytes(content)

    def last_response_headers(self):
        return getattr(self._local, "headers", {}) or {}


@functools.lru_cache(maxsize=32)
def get_client(account_sid, auth_token, base_url=None, timeout=REQUEST_TIMEOUT):
    """A REST client for one account, kept so its HTTP connections are reused."""
    return Client(account_sid, auth_token, http_client=OdooTwilioHttpClient(base_url, timeout=timeout))


def _retry_after(client):
    value = client.http_client.last_response_headers().get("Retry-After")
    try:
        return min(max(int(value), 0), MAX_RETRY_AFTER)
    except (TypeError, ValueError):
        return None


def _connection_failure(error):
    """The urllib3 error under a requests ConnectionError that failed before connecting
    (refused, unknown host), or None."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return reason if isinstance(reason, urllib3.exceptions.NewConnectionError) else None


def _transport_failure(error):
    """``(message, may_have_been_sent)`` for a requests exception, by its type: a
    connection that failed before the request went out (unknown host, refused, TLS,
    connect timeout) sent nothing; a read timeout or a dropped connection may have."""
    if isinstance(error, requests.exceptions.SSLError):
        return NOT_SENT_TLS, False
    if isinstance(error, requests.ConnectTimeout):
        return NOT_SENT_CONNECT_TIMEOUT, False
    if isinstance(error, requests.ConnectionError):
        failure = _connection_failure(error)
        if failure is not None:
            cause = failure.__cause__ or failure.__context__
            return (NOT_SENT_DNS if isinstance(cause, socket.gaierror) else NOT_SENT_REFUSED), False
        return MAYBE_SENT_DROPPED, True
    if isinstance(error, requests.ReadTimeout):
        return MAYBE_SENT_READ_TIMEOUT, True
    return MAYBE_SENT_DROPPED, True


def _request_may_have_been_sent(error):
    return _transport_failure(error)[1]


def _as_twilio_error(client, error):
    if isinstance(error, TwilioRestException):
        transient = error.status >= 500 or error.status in TRANSIENT_HTTP_STATUSES
        code = error.code or error.status
        if error.status == 401:
            message, params = CREDENTIALS_REFUSED, {"code": code}
        else:
            message, params = TWILIO_ERROR, {"code": code, "message": error.msg}
        return TwilioError(
            message, params=params, transient=transient, code=error.code, status=error.status,
            retry_after=_retry_after(client) if transient else None)
    message, maybe_sent = _transport_failure(error)
    return TwilioError(message, params={"seconds": REQUEST_TIMEOUT}, transient=True, ambiguous=maybe_sent)


def _call(client, function):
    """Run one request of the twilio client; its failures become TwilioError."""
    try:
        return function()
    except (TwilioRestException, requests.RequestException) as error:
        raise _as_twilio_error(client, error) from error


def webhook_settings(base_url):
    """Where a connected number sends its calls, call statuses and texts."""
    return {
        "voice_url": f"{base_url}/missed_call/twilio/voice",
        "voice_method": "POST",
        "status_callback": f"{base_url}/missed_call/twilio/call_status",
        "status_callback_method": "POST",
        "sms_url": f"{base_url}/missed_call/twilio/sms",
        "sms_method": "POST",
    }


# What Twilio sets on a number it sells: its own welcome message.
TWILIO_DEFAULT_VOICE_URL = "https://demo.twilio.com/welcome/voice/"
TWILIO_DEFAULT_SMS_URL = "https://demo.twilio.com/welcome/sms/reply/"


class TwilioApi:
    """The requests the add-on makes to Twilio, for one account (``client``). A company
    gets it from ``res.company._twilio_api()``; ``res.company._get_twilio_api_class()``
    is the hook to replace it (another provider, a test double). Every failure is a
    :class:`TwilioError`."""

    def __init__(self, client):
        self.client = client

    def _request(self, function):
        """Run one request of the twilio client; its failures become TwilioError."""
        return _call(self.client, function)

    # ------------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------------

    def send_message(self, *, to, from_, body, status_callback, messaging_service_sid=None):
        """Send one SMS; return ``(sid, status)`` or raise :class:`TwilioError`. With a
        Messaging Service (required for US A2P 10DLC), Twilio picks the sender from it.
        Without ``status_callback``, Twilio reports nothing after its answer."""
        options = {"messaging_service_sid": messaging_service_sid} if messaging_service_sid else {"from_": from_}
        if status_callback:
            options["status_callback"] = status_callback
        message = self._request(lambda: self.client.messages.create(to=to, body=body, **options))
        return message.sid, message.status

    def find_sent_message(self, *, to, from_, body, sent_after):
        """The ``(sid, status)`` of a text with this body created from ``from_`` to ``to``
        since ``sent_after`` (an aware datetime), or None: asked before sending again after
        an ambiguous failure. Twilio filters by number; the time is checked on
        ``date_created``, since a text still queued has no ``date_sent`` yet. Twilio's
        times are whole seconds: a text created in the same second as ``sent_after``
        counts."""
        since = sent_after.replace(microsecond=0)
        # The most recent page only: a text-back is minutes old, and following
        # next_page_uri could page through the account's whole history.
        messages = self._request(lambda: list(self.client.messages.page(to=to, from_=from_, page_size=20)))
        for message in messages:
            if (message.to == to and message.from_ == from_ and message.body == body
                    and message.date_created and message.date_created >= since):
                return message.sid, message.status
        return None

    def lookup_line_type(self, number):
        """The line type Twilio Lookup v2 knows for ``number`` ('mobile', 'landline',
        'fixedVoip', …), or None when it does not say."""
        result = self._request(
            lambda: self.client.lookups.v2.phone_numbers(number).fetch(fields="line_type_intelligence"))
        return (result.line_type_intelligence or {}).get("type") or None

    # ----------------------------------------------------------------------
    # Phone numbers: connecting a Twilio number to Odoo
    # ----------------------------------------------------------------------

    def check_credentials(self):
        """The account's friendly name; raises TwilioError (status 401) on bad credentials."""
        account = self.client.api.v2010.accounts(self.client.account_sid)
        return self._request(lambda: account.fetch().friendly_name)

    def list_incoming_numbers(self, limit=100):
        """The account's numbers: dicts with sid, phone_number, friendly_name, voice_url, sms_url."""
        numbers = self._request(lambda: self.client.incoming_phone_numbers.list(limit=limit))
        return [{
            "sid": number.sid,
            "phone_number": number.phone_number,
            "friendly_name": number.friendly_name,
            "voice_url": number.voice_url,
            "sms_url": number.sms_url,
        } for number in numbers]

    def search_available_numbers(self, country_code, area_code=None, contains=None, limit=20):
        """Local numbers for sale: dicts with phone_number, friendly_name, locality, region."""
        filters = {"limit": limit, "sms_enabled": True, "voice_enabled": True}
        if area_code:
            filters["area_code"] = int(area_code)
        if contains:
            filters["contains"] = contains
        numbers = self._request(lambda: self.client.available_phone_numbers(country_code).local.list(**filters))
        return [{
            "phone_number": number.phone_number,
            "friendly_name": number.friendly_name,
            "locality": number.locality,
            "region": number.region,
        } for number in numbers]

    def buy_number(self, phone_number, base_url, friendly_name=None):
        """Buy ``phone_number`` with its webhooks pointing at Odoo; return its SID."""
        values = webhook_settings(base_url)
        if friendly_name:
            values["friendly_name"] = friendly_name
        return self._request(
            lambda: self.client.incoming_phone_numbers.create(phone_number=phone_number, **values).sid)

    def configure_number(self, number_sid, base_url):
        """Point an existing number's webhooks at Odoo."""
        return self._request(
            lambda: self.client.incoming_phone_numbers(number_sid).update(**webhook_settings(base_url)).sid)

    def clear_number(self, number_sid):
        """Stop sending the number's calls and texts to Odoo: back to Twilio's defaults.
        (Twilio's API description accepts no empty URL; the call status callback stays,
        and Odoo ignores the statuses of lines it no longer has.)"""
        return self._request(lambda: self.client.incoming_phone_numbers(number_sid).update(
            voice_url=TWILIO_DEFAULT_VOICE_URL, voice_method="POST",
            sms_url=TWILIO_DEFAULT_SMS_URL, sms_method="POST").sid)

    # ----------------------------------------------------------------------
    # Calls and recordings: call-backs and voicemail
    # ----------------------------------------------------------------------

    def place_call(self, *, to, from_, answer_url, status_callback, timeout):
        """Ring ``to`` from ``from_``; when answered, Twilio fetches the TwiML at ``answer_url``.
        Return the call's SID."""
        return self._request(lambda: self.client.calls.create(
            to=to, from_=from_, url=answer_url, method="POST", status_callback=status_callback,
            status_callback_method="POST", timeout=timeout).sid)

    def fetch_recording(self, recording_sid):
        """The recording's metadata: dict with sid, duration (seconds), status."""
        recording = self._request(lambda: self.client.recordings(recording_sid).fetch())
        return {"sid": recording.sid, "duration": int(recording.duration or 0), "status": recording.status}

    def download_recording(self, recording_sid, max_bytes=20 * 1024 * 1024):
        """The recording's audio as MP3 bytes (Twilio serves the media beside its metadata:
        Recordings/<sid>.mp3, which Twilio's API description does not list)."""
        client = self.client
        url = f"{client.api.base_url}/2010-04-01/Accounts/{client.account_sid}/Recordings/{recording_sid}.mp3"
        try:
            return client.http_client.download(url, (client.username, client.password), max_bytes)
        except ValueError:
            raise TwilioError(
                RECORDING_TOO_LARGE, params={"mb": max_bytes // (1024 * 1024)}, transient=False) from None
        except requests.HTTPError as error:
            status = error.response.status_code
            raise TwilioError(TWILIO_ERROR, params={"code": status, "message": "recording download"},
                              transient=status >= 500 or status in TRANSIENT_HTTP_STATUSES, status=status) from error
        except requests.RequestException as error:
            raise _as_twilio_error(client, error) from error

    def delete_recording(self, recording_sid):
        """Delete the recording at Twilio (once Odoo keeps it)."""
        return self._request(lambda: self.client.recordings(recording_sid).delete())
