"""The one place this add-on talks to Twilio's REST API.

Everything goes through the official twilio library. When a base URL is
configured (system parameter ``crm_missed_call_textback.twilio_api_base_url``),
the HTTP client sends every request there instead of ``https://*.twilio.com``:
a sandbox, or the Twilio API stand-in the tests run.
"""
import functools
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

# Seconds to wait for Twilio: the caller is still on the line while we send.
REQUEST_TIMEOUT = 10

# HTTP statuses worth another try later; any other 4xx is final.
TRANSIENT_HTTP_STATUSES = frozenset({408, 409, 425, 429})


class TwilioSendError(Exception):
    """A failed call to Twilio. ``transient`` says whether trying again later may succeed."""

    def __init__(self, message, *, transient, code=None, status=None):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.code = code
        self.status = status

    def __str__(self):
        return self.message


class BaseUrlHttpClient(TwilioHttpClient):
    """TwilioHttpClient that sends every request to ``base_url`` instead of Twilio."""

    def __init__(self, base_url, **kwargs):
        super().__init__(**kwargs)
        self.base_url = urlsplit(base_url.rstrip("/"))

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        url = urlunsplit((
            self.base_url.scheme,
            self.base_url.netloc,
            self.base_url.path + parts.path,
            parts.query,
            parts.fragment,
        ))
        return super().request(method, url, *args, **kwargs)


@functools.lru_cache(maxsize=32)
def get_client(account_sid, auth_token, base_url=None, timeout=REQUEST_TIMEOUT):
    """A REST client for one account, kept so its HTTP connections are reused."""
    if base_url:
        http_client = BaseUrlHttpClient(base_url, timeout=timeout)
    else:
        http_client = TwilioHttpClient(timeout=timeout)
    return Client(account_sid, auth_token, http_client=http_client)


def send_message(client, *, to, from_, body, status_callback):
    """Send one SMS; return ``(sid, status)`` or raise :class:`TwilioSendError`."""
    try:
        message = client.messages.create(
            to=to, from_=from_, body=body, status_callback=status_callback,
        )
    except TwilioRestException as error:
        transient = error.status >= 500 or error.status in TRANSIENT_HTTP_STATUSES
        text = f"Twilio error {error.code or error.status}: {error.msg}"
        raise TwilioSendError(text, transient=transient, code=error.code, status=error.status) from error
    except requests.RequestException as error:
        # Connection refused, reset, timed out: the request may not have reached Twilio.
        raise TwilioSendError(f"Could not reach Twilio: {error}", transient=True) from error
    return message.sid, message.status
