"""Twilio's REST API faked in the test process, for runs without the Twilio API
stand-in (Odoo's own test runner on Odoo.sh or in OCA-style CI, where there is
no npm and so no Prism).

It answers at the one boundary Odoo's test harness offers for outgoing HTTP,
``BaseCase._request_handler`` (see :class:`common.TwilioApiMixin`), and only
requests of the shapes in :data:`SHAPES`: the requests this add-on makes, each
sent to Prism and accepted by Twilio's OpenAPI description in
``test_twilio_api.TestFakeTwilioShapes`` whenever the stand-in runs (always
under ``scripts/test``). Anything else gets Twilio's 400, so the fake can never
accept a request that Twilio's spec would refuse. Its answers mirror the
stand-in's: the spec's examples, with the request's own values where Twilio
echoes them.
"""
import base64
import io
import json
import re
from urllib.parse import parse_qsl, unquote, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

FAKE_TWILIO_URL = "https://twilio-api.test"  # a reserved name (RFC 2606): never a real host

ACCOUNT = r"(?P<account>AC[0-9a-fA-F]{32})"
E164_EXAMPLE = "+14155550123"
URL_EXAMPLE = "https://calls.example.com/missed_call/twilio/voice"

# The stand-in answers these example SIDs; the fake answers the same.
EXAMPLE_MESSAGE_SID = "SM" + "a" * 32
EXAMPLE_CALL_SID = "CA" + "a" * 32
EXAMPLE_RECORDING_SID = "RE" + "a" * 32
EXAMPLE_NUMBER_SID = "PN" + "a" * 32
# A recording's audio: Twilio serves it beside the recording (Recordings/<sid>.mp3), which its
# OpenAPI description does not list, so neither Prism nor the shapes below know it; the tests
# answer it at the same boundary (common.TwilioApiMixin).
RECORDING_MEDIA = re.compile(r"/2010-04-01/Accounts/AC[0-9a-fA-F]{32}/Recordings/(RE[0-9a-fA-F]{32})\.mp3$")
EXAMPLE_AUDIO = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64
EXAMPLE_OWNED_NUMBER = "+18089255327"
EXAMPLE_AVAILABLE_NUMBER = "+18089251571"


class Shape:
    """One kind of request: method, path, the parameters it may carry (with an
    example value each, which the contract test sends to the stand-in) and those it
    must carry. ``one_of``: groups of parameters of which exactly one is given."""

    def __init__(self, name, method, path, params, required=(), one_of=(), status=200):
        self.name = name
        self.method = method
        self.path = re.compile(f"^{path}$")
        self.params = params
        self.required = frozenset(required)
        self.one_of = tuple(frozenset(group) for group in one_of)
        self.status = status

    def problems(self, params):
        """What is wrong with ``params`` for this shape (empty when nothing is)."""
        problems = [f"unexpected parameter {name}" for name in params if name not in self.params]
        problems += [f"missing required parameter {name}" for name in self.required if name not in params]
        for group in self.one_of:
            if len(group & params.keys()) != 1:
                problems.append(f"exactly one of {', '.join(sorted(group))} is required")
        return problems

    def example_path(self, account_sid):
        """A path of this shape, for the contract test."""
        path = self.path.pattern.strip("^$")
        path = path.replace(ACCOUNT, account_sid)
        path = re.sub(r"\(\?P<number_sid>[^)]*\)", EXAMPLE_NUMBER_SID, path)
        path = re.sub(r"\(\?P<country>[^)]*\)", "US", path)
        path = re.sub(r"\(\?P<number>[^)]*\)", E164_EXAMPLE, path)
        path = re.sub(r"\(\?P<recording_sid>[^)]*\)", EXAMPLE_RECORDING_SID, path)
        return path.replace("\\.", ".")


WEBHOOK_PARAMS = {
    "VoiceUrl": URL_EXAMPLE, "VoiceMethod": "POST",
    "StatusCallback": URL_EXAMPLE, "StatusCallbackMethod": "POST",
    "SmsUrl": URL_EXAMPLE, "SmsMethod": "POST",
}
SHAPES = (
    Shape("send a text", "POST", rf"/2010-04-01/Accounts/{ACCOUNT}/Messages\.json",
          {"To": E164_EXAMPLE, "From": "+14155550100", "MessagingServiceSid": "MG" + "2" * 32,
           "Body": "Hi", "StatusCallback": URL_EXAMPLE},
          required={"To", "Body"}, one_of=[{"From", "MessagingServiceSid"}], status=201),
    Shape("list sent texts", "GET", rf"/2010-04-01/Accounts/{ACCOUNT}/Messages\.json",
          {"To": E164_EXAMPLE, "From": "+14155550100", "PageSize": "20"}, required={"To", "From"}),
    Shape("read the account", "GET", rf"/2010-04-01/Accounts/{ACCOUNT}\.json", {}),
    Shape("list the account's numbers", "GET", rf"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers\.json",
          {"PageSize": "100"}),
    Shape("point a number's webhooks", "POST",
          rf"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers/(?P<number_sid>PN[0-9a-fA-F]{{32}})\.json",
          WEBHOOK_PARAMS),
    Shape("buy a number", "POST", rf"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers\.json",
          {"PhoneNumber": E164_EXAMPLE, "FriendlyName": "Main line", **WEBHOOK_PARAMS},
          required={"PhoneNumber"}, status=201),
    Shape("search local numbers", "GET",
          rf"/2010-04-01/Accounts/{ACCOUNT}/AvailablePhoneNumbers/(?P<country>[A-Z]{{2}})/Local\.json",
          {"AreaCode": "415", "Contains": "555", "SmsEnabled": "true", "VoiceEnabled": "true", "PageSize": "20"}),
    Shape("look up a line type", "GET", r"/v2/PhoneNumbers/(?P<number>[^/]+)", {"Fields": "line_type_intelligence"}),
    Shape("place a call", "POST", rf"/2010-04-01/Accounts/{ACCOUNT}/Calls\.json",
          {"To": "+14155550199", "From": "+14155550100", "Url": URL_EXAMPLE, "Method": "POST",
           "StatusCallback": URL_EXAMPLE, "StatusCallbackMethod": "POST", "Timeout": "25"},
          required={"To", "From", "Url"}, status=201),
    Shape("read a recording", "GET",
          rf"/2010-04-01/Accounts/{ACCOUNT}/Recordings/(?P<recording_sid>RE[0-9a-fA-F]{{32}})\.json", {}),
    Shape("delete a recording", "DELETE",
          rf"/2010-04-01/Accounts/{ACCOUNT}/Recordings/(?P<recording_sid>RE[0-9a-fA-F]{{32}})\.json", {},
          status=204),
)


def twilio_error(status, code, message):
    return status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status}


class FakeTwilio:
    """Answers the twilio client's requests to :data:`FAKE_TWILIO_URL`, and keeps them
    (``requests``: dicts with shape, method, path, params, account) for tests to read."""

    def __init__(self):
        self.requests = []

    def handles(self, url):
        return url.startswith(FAKE_TWILIO_URL + "/")

    def answer(self, request):
        """A :class:`requests.Response` to a :class:`requests.PreparedRequest`."""
        status, body = self._answer(request)
        response = requests.Response()
        response.status_code = status
        response._content = b"" if body is None else json.dumps(body).encode()
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    def _answer(self, request):
        url = urlsplit(request.url)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if request.body:
            body = request.body.decode() if isinstance(request.body, bytes) else request.body
            params.update(parse_qsl(body, keep_blank_values=True))
        path = unquote(url.path)
        for shape in SHAPES:
            match = shape.path.match(path)
            if match and request.method == shape.method:
                break
        else:
            return twilio_error(404, 20404, f"The requested resource {path} was not found")
        account = match.groupdict().get("account")
        if not self._authorized(request, account):
            return twilio_error(401, 20003, "Authenticate")
        problems = shape.problems(params)
        if problems:
            return twilio_error(400, 20001, f"{shape.name}: {'; '.join(problems)}")
        self.requests.append({"shape": shape.name, "method": request.method, "path": path, "params": params,
                              "account": account})
        return shape.status, getattr(self, "_" + shape.name.replace(" ", "_").replace("'", ""))(match, params)

    @staticmethod
    def _authorized(request, account):
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return False
        if not account:
            return True  # Lookup: any account's credentials
        user = base64.b64decode(auth[6:]).decode().partition(":")[0]
        return user == account

    # --- answers, shaped as Twilio's (and the stand-in's) ---------------------

    @staticmethod
    def _message(account, params):
        return {
            "account_sid": account, "api_version": "2010-04-01", "body": params.get("Body"),
            "date_created": "Thu, 24 Aug 2023 05:01:45 +0000", "date_sent": None,
            "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000", "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": params.get("From"),
            "messaging_service_sid": params.get("MessagingServiceSid"), "num_media": "0", "num_segments": "1",
            "price": None, "price_unit": None, "sid": EXAMPLE_MESSAGE_SID, "status": "queued",
            "to": params.get("To"), "uri": f"/2010-04-01/Accounts/{account}/Messages/{EXAMPLE_MESSAGE_SID}.json",
        }

    def _send_a_text(self, match, params):
        return self._message(match["account"], params)

    @staticmethod
    def _page(key, uri, items, page_size=50):
        return {key: items, "end": max(len(items) - 1, 0), "first_page_uri": uri, "next_page_uri": None,
                "page": 0, "page_size": page_size, "previous_page_uri": None, "start": 0, "uri": uri}

    def _list_sent_texts(self, match, params):
        # As the stand-in's examples: no text of ours.
        return self._page("messages", f"/2010-04-01/Accounts/{match['account']}/Messages.json", [],
                          int(params.get("PageSize") or 50))

    @staticmethod
    def _read_the_account(match, _params):
        account = match["account"]
        return {"sid": account, "friendly_name": "friendly_name", "status": "active", "type": "Full",
                "owner_account_sid": account, "uri": f"/2010-04-01/Accounts/{account}.json"}

    @staticmethod
    def _number(account, sid, phone_number, params):
        return {
            "account_sid": account, "sid": sid, "phone_number": phone_number,
            "friendly_name": params.get("FriendlyName") or "(808) 925-5327",
            "voice_url": params.get("VoiceUrl"), "voice_method": params.get("VoiceMethod") or "POST",
            "sms_url": params.get("SmsUrl") or "", "sms_method": params.get("SmsMethod") or "POST",
            "status_callback": params.get("StatusCallback") or "",
            "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
            "uri": f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{sid}.json",
        }

    def _list_the_accounts_numbers(self, match, params):
        account = match["account"]
        numbers = [self._number(account, EXAMPLE_NUMBER_SID, EXAMPLE_OWNED_NUMBER, {})]
        return self._page("incoming_phone_numbers", f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json",
                          numbers, int(params.get("PageSize") or 50))

    def _point_a_numbers_webhooks(self, match, params):
        return self._number(match["account"], match["number_sid"], EXAMPLE_OWNED_NUMBER, params)

    def _buy_a_number(self, match, params):
        return self._number(match["account"], EXAMPLE_NUMBER_SID, params["PhoneNumber"], params)

    def _search_local_numbers(self, match, _params):
        number = {"phone_number": EXAMPLE_AVAILABLE_NUMBER, "friendly_name": "(808) 925-1571", "locality": "Hilo",
                  "region": "HI", "iso_country": match["country"], "postal_code": "96720",
                  "capabilities": {"voice": True, "SMS": True, "MMS": False}}
        return {"available_phone_numbers": [number],
                "uri": f"/2010-04-01/Accounts/{match['account']}/AvailablePhoneNumbers/{match['country']}/Local.json"}

    @staticmethod
    def _place_a_call(match, params):
        account = match["account"]
        return {"sid": EXAMPLE_CALL_SID, "account_sid": account, "to": params["To"], "from": params["From"],
                "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{account}/Calls/{EXAMPLE_CALL_SID}.json"}

    @staticmethod
    def _read_a_recording(match, _params):
        account, sid = match["account"], match["recording_sid"]
        return {"sid": sid, "account_sid": account, "call_sid": EXAMPLE_CALL_SID, "status": "completed",
                "duration": "4", "channels": 1, "source": "RecordVerb", "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{account}/Recordings/{sid}.json"}

    @staticmethod
    def _delete_a_recording(_match, _params):
        return None

    @staticmethod
    def _look_up_a_line_type(match, _params):
        # As the stand-in's first example: no line type known.
        return {"phone_number": match["number"], "valid": True, "country_code": "US",
                "line_type_intelligence": None, "url": f"https://lookups.twilio.com/v2/PhoneNumbers/{match['number']}"}


def recording_media_response(request):
    """A recording's audio, as Twilio serves it to the account's credentials."""
    response = requests.Response()
    response.request, response.url = request, request.url
    if not request.headers.get("Authorization", "").startswith("Basic "):
        response.status_code, response._content = 401, b""
        return response
    response.status_code = 200
    response._content = EXAMPLE_AUDIO
    response.headers = CaseInsensitiveDict({"Content-Type": "audio/mpeg", "Content-Length": str(len(EXAMPLE_AUDIO))})
    response.raw = io.BytesIO(EXAMPLE_AUDIO)
    return response
