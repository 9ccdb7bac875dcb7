"""Fault injection against a real Odoo server.

Starts Odoo with this add-on on an existing database in multi-worker mode (2
workers and a cron worker), puts a faulty Twilio in front of the Twilio API
stand-in (Prism), and replays signed Twilio webhooks the way Twilio misbehaves:
every webhook delivered 1 to 4 times, siblings in any order, two calls from the
same new number at the same moment, status callbacks before the send returned,
the Messages API failing with 500, 503, 429, timeouts and dropped or reset
connections, and an opt-out (STOP) racing the missed call of the same number.
Odoo is killed while Twilio holds text-backs it received (and has not answered),
restarted, and killed and restarted again while text-backs wait for their retry.

It then counts what happened and fails on any difference with what must happen:
one call log per call, one text per caller (cool-down), one contact and one lead
per caller, no text lost, none sent twice, none sent after its caller's STOP was
answered, no 5xx, no request Twilio's spec rejects.

    python fault_injection.py --odoo-bin ... --config ... --database ... --stand-in URL
"""
import argparse
import contextlib
import email.utils
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import xmlrpc.client
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "fa" * 16
AUTH_TOKEN = "f00d" * 8
LINE_NUMBER = "+14155550100"
FORWARD_TO = "+14155550199"
# The add-on gives up on Twilio after this many seconds (tools/twilio_api.py).
CLIENT_TIMEOUT = 10
FAULTS = ["503", "500", "429", "reset", "drop", "timeout"]
# Twilio receives the text (it exists) and holds the answer until Odoo has been killed.
HOLD = "hold"
HOLD_TIMEOUT = 90


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def twilio_date(moment):
    """Twilio's date format: 'Thu, 24 Aug 2023 05:01:45 +0000'."""
    return email.utils.format_datetime(moment.astimezone(timezone.utc))


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = Counter()

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] += n


# ----------------------------------------------------------------------
# The faulty Twilio: validates with Prism, records texts, injects faults
# ----------------------------------------------------------------------

class FaultyTwilio(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stand_in, plan, odoo_url, stats):
        super().__init__(("127.0.0.1", 0), FaultyTwilioHandler)
        self.stand_in = stand_in.rstrip("/")
        self.plan = plan                     # To number -> fault on its first send
        self.odoo_url = odoo_url
        self.stats = stats
        self.lock = threading.Lock()
        self.attempts = Counter()
        self.messages = []                   # the texts Twilio would have sent
        self.received_at = {}                # To number -> when each text's request arrived
        self.held = threading.Semaphore(0)   # one release per request held
        self.release = threading.Event()     # Odoo was killed: held requests may end

    def url(self):
        return f"http://127.0.0.1:{self.server_port}"

    def handle_error(self, request, client_address):
        # A request held while Odoo is killed finds its connection gone when it answers:
        # that is the scenario, not a fault of this stand-in (no traceback in the output).
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class FaultyTwilioHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def prism(self, method, body=None):
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type", "accept")}
        response = requests.request(method, self.server.stand_in + self.path, data=body, headers=headers, timeout=10)
        if response.status_code >= 400:
            self.server.stats.add("spec violations")
            print(f"  Twilio's spec rejects {method} {self.path}: {response.text[:300]}", file=sys.stderr)
        return response

    def reply(self, status, payload, headers=None):
        body = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drop(self):
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def do_GET(self):
        response = self.prism("GET")
        if response.status_code >= 400 or not urlsplit(self.path).path.endswith("/Messages.json"):
            return self.reply(response.status_code, response.json())
        query = parse_qs(urlsplit(self.path).query)
        to, from_ = query.get("To", [None])[0], query.get("From", [None])[0]
        page = response.json()
        with self.server.lock:
            page["messages"] = [m for m in reversed(self.server.messages) if m["to"] == to and m["from"] == from_]
        page["next_page_uri"] = None
        self.server.stats.add("message lookups")
        return self.reply(200, page)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not urlsplit(self.path).path.endswith("/Messages.json"):
            response = self.prism("POST", body)
            return self.reply(response.status_code, response.json())
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        with self.server.lock:
            self.server.received_at.setdefault(form.get("To"), []).append(time.time())
            self.server.attempts[form.get("To")] += 1
            first = self.server.attempts[form.get("To")] == 1
        fault = self.server.plan.get(form.get("To")) if first else None
        if fault:
            self.server.stats.add("faults injected")
        if fault == "reset":                     # nothing reached Twilio
            return self.drop()
        if fault in ("500", "503", "429"):
            status = int(fault)
            headers = {"Retry-After": "1"} if status == 429 else {}
            return self.reply(status, {"code": 20000 + status, "message": f"injected {status}", "status": status},
                              headers)
        response = self.prism("POST", body)
        if response.status_code >= 400:
            return self.reply(response.status_code, response.json())
        message = response.json()
        now = datetime.now(timezone.utc)
        message.update({
            "sid": "SM" + uuid.uuid4().hex, "to": form["To"], "from": form["From"], "body": form["Body"],
            "status": "queued", "date_created": twilio_date(now), "date_updated": twilio_date(now),
            "date_sent": None,
        })
        with self.server.lock:
            self.server.messages.append(message)
        self.server.stats.add("texts created")
        # Like Twilio, the status callbacks go out on their own, and often arrive before
        # the response to the create does (this response waits a little). A text sent
        # without a StatusCallback (the salesperson's alert) gets none.
        if form.get("StatusCallback"):
            threading.Thread(target=self.status_callbacks, args=(form["StatusCallback"], message["sid"]),
                             daemon=True).start()
        if random.random() < 0.5:
            time.sleep(0.3)
        if fault == HOLD:                        # the text exists; Odoo dies waiting for the answer
            self.server.held.release()
            self.server.release.wait(HOLD_TIMEOUT)
            return self.drop()
        if fault == "timeout":                   # the text exists, the client gives up waiting
            time.sleep(CLIENT_TIMEOUT + 2)
            return self.drop()
        if fault == "drop":                      # the text exists, the connection dies
            return self.drop()
        return self.reply(201, message)

    def status_callbacks(self, url, sid):
        deliveries = [("sent", None), ("delivered", None)] + [(random.choice(["sent", "delivered"]), None)]
        random.shuffle(deliveries)
        for status, _code in deliveries:
            params = {"AccountSid": ACCOUNT_SID, "MessageSid": sid, "SmsSid": sid,
                      "MessageStatus": status, "SmsStatus": status}
            post_webhook(url, params, self.server.stats, kind="message status")


# ----------------------------------------------------------------------
# Twilio's side of the webhooks
# ----------------------------------------------------------------------

def post_webhook(url, params, stats, kind):
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    for _attempt in range(30):
        try:
            response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=60)
        except requests.ConnectionError:         # Odoo is restarting
            time.sleep(1)
            continue
        stats.add("webhooks sent")
        stats.add(f"{kind} webhooks")
        if response.status_code >= 500:
            stats.add("5xx answers")
            print(f"  {response.status_code} from {url}: {response.text[:300]}", file=sys.stderr)
        elif response.status_code != 200:
            stats.add("refused webhooks")
            print(f"  {response.status_code} from {url}", file=sys.stderr)
        return response
    raise SystemExit(f"Odoo did not answer {url}")


def call_sid():
    return "CA" + uuid.uuid4().hex


def message_sid():
    return "SM" + uuid.uuid4().hex


class Scenario:
    """The calls, and what must come of them."""

    def __init__(self, rng):
        numbers = (f"+1415555{n:04d}" for n in itertools.count(2000))
        self.calls = []                          # (sid, number, outcome, route)
        self.missed_numbers, self.answered_numbers = set(), set()
        self.faulted = {}
        self.pairs = []
        for _ in range(18):                      # new callers, missed
            self.add(next(numbers), "no-answer", "dial")
        for index, number in enumerate(sorted(self.missed_numbers)[:12]):
            self.faulted[number] = FAULTS[index % len(FAULTS)]
        for _ in range(3):                       # numbers routed elsewhere: call status only
            self.add(next(numbers), "busy", "call_status")
        for _ in range(5):                       # answered
            self.add(next(numbers), "completed", "dial")
        for _ in range(4):                       # two calls from one new number at the same moment
            number = next(numbers)
            self.pairs.append((self.add(number, "no-answer", "dial"), self.add(number, "no-answer", "dial")))
        for number in rng.sample(sorted(self.faulted), 3):   # repeat callers inside the cool-down
            self.add(number, "no-answer", "dial")
        self.held = []
        for _ in range(2):                       # Twilio holds the text while Odoo dies
            number = next(numbers)
            self.add(number, "no-answer", "dial")
            self.faulted[number] = HOLD
            self.held.append(number)
        self.stop_races = []
        for _ in range(4):                       # STOP from the caller as the call goes unanswered
            self.stop_races.append(self.add(next(numbers), "no-answer", "dial"))

    def add(self, number, outcome, route):
        call = (call_sid(), number, outcome, route)
        self.calls.append(call)
        (self.answered_numbers if outcome == "completed" else self.missed_numbers).add(number)
        return call


def deliveries(odoo_url, call, rng, stats):
    """Every webhook Twilio sends for ``call``, each 1 to 4 times, in a plausible disorder."""
    sid, number, outcome, route = call
    base = {"AccountSid": ACCOUNT_SID, "CallSid": sid, "From": number, "To": LINE_NUMBER,
            "Caller": number, "Called": LINE_NUMBER, "Direction": "inbound", "ApiVersion": "2010-04-01"}
    if route == "call_status":
        siblings = [("call_status", dict(base, CallStatus=outcome, CallDuration="0"))]
    else:
        dial = dict(base, CallStatus="in-progress", DialCallStatus=outcome,
                    DialCallDuration="48" if outcome == "completed" else "0")
        siblings = [
            ("voice", dict(base, CallStatus="ringing")),
            ("dial_status", dial),
            ("call_status", dict(base, CallStatus="completed", CallDuration="60")),
        ]
    sequence = []
    for kind, params in siblings:
        copies = rng.randint(1, 4)
        stats.add("duplicates injected", copies - 1)
        sequence += [(kind, params)] * copies
    # The first delivery comes first (a call's status cannot precede Twilio asking us
    # what to do with it); every other one, duplicates included, in any order.
    rest = sequence[1:]
    rng.shuffle(rest)
    return [(f"{odoo_url}/missed_call/twilio/{kind}", params, kind) for kind, params in [sequence[0]] + rest]


def play_call(odoo_url, call, rng, stats, barrier=None):
    for url, params, kind in deliveries(odoo_url, call, rng, stats):
        if barrier is not None and kind == "dial_status":
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=30)         # both calls of the pair end at the same moment
            barrier = None
        post_webhook(url, params, stats, kind)


def send_stop(odoo_url, number, stats, barrier, stop_answered):
    """The caller texts STOP at the moment their call ends unanswered; keeps when Odoo
    answered it (a text reaching Twilio after that would ignore a committed opt-out)."""
    params = {"AccountSid": ACCOUNT_SID, "MessageSid": message_sid(), "SmsSid": "", "From": number,
              "To": LINE_NUMBER, "Body": "STOP", "NumMedia": "0", "ApiVersion": "2010-04-01"}
    params["SmsSid"] = params["MessageSid"]
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=30)
    post_webhook(f"{odoo_url}/missed_call/twilio/sms", params, stats, "sms")
    stop_answered[number] = time.time()


# ----------------------------------------------------------------------
# Odoo
# ----------------------------------------------------------------------

class Odoo:
    def __init__(self, args, port):
        self.args, self.port, self.process = args, port, None
        self.url = f"http://127.0.0.1:{port}"

    def start(self):
        log = open(self.args.log, "a")  # noqa: SIM115 (Odoo's output, for as long as it runs)
        self.process = subprocess.Popen([
            self.args.python, self.args.odoo_bin, "-c", self.args.config, "-d", self.args.database,
            # -d without --db-filter: requests need not list the databases (one query each).
            f"--http-port={self.port}", f"--workers={self.args.workers}",
            # Its own websocket port: another Odoo may run beside it (.ci/run runs both versions at once).
            f"--gevent-port={free_port()}",
            "--max-cron-threads=1", "--limit-time-real=120", "--log-level=warn",
        ], stdout=log, stderr=log, start_new_session=True)
        for _ in range(240):
            try:
                if requests.get(f"{self.url}/web/health", timeout=5).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or too busy starting to answer
                pass
            if self.process.poll() is not None:
                raise SystemExit(f"Odoo exited; see {self.args.log}")
            time.sleep(0.5)
        raise SystemExit(f"Odoo did not start; see {self.args.log}")

    def kill(self):
        """As a crash would: no graceful shutdown."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def rpc(self, model, method, *args, **kwargs):
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(self.args.database, self.uid, "admin", model, method, list(args), kwargs)

    def login(self):
        common = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common")
        self.uid = common.authenticate(self.args.database, "admin", "admin", {})
        if not self.uid:
            raise SystemExit("cannot log in as admin/admin")


def configure(odoo, twilio_url):
    company_id = odoo.rpc("res.users", "read", [odoo.uid], ["company_id"])[0]["company_id"][0]
    us = odoo.rpc("res.country", "search", [("code", "=", "US")])[0]
    odoo.rpc("res.company", "write", [company_id], {
        "twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": AUTH_TOKEN, "country_id": us})
    for key, value in (("crm_missed_call_textback.twilio_api_base_url", twilio_url),
                       ("web.base.url", odoo.url), ("web.base.url.freeze", "True")):
        odoo.rpc("ir.config_parameter", "set_param", key, value)
    odoo.rpc("crm.phone.line", "create", [{
        "name": "Fault injection", "number": LINE_NUMBER, "forward_to": FORWARD_TO,
        "calendar_id": False, "company_id": company_id, "user_id": odoo.uid,
    }])


def settle(odoo, timeout):
    """Run the retry and CRM crons, as the scheduler would, until nothing waits any more."""
    crons = [record["res_id"] for record in odoo.rpc(
        "ir.model.data", "search_read",
        [("module", "=", "crm_missed_call_textback"),
         ("name", "in", ["ir_cron_textback_retry", "ir_cron_missed_call_crm"])], ["res_id"])]
    deadline = time.time() + timeout
    while time.time() < deadline:
        waiting = odoo.rpc("crm.call.log", "search_count", [
            "|", ("textback_state", "=", "outgoing"),
            "&", ("status", "=", "missed"), ("crm_synced", "=", False)])
        alerts = odoo.rpc("sms.sms", "search_count", [("missed_call_alert", "=", True), ("state", "=", "outgoing")])
        if not waiting and not alerts:
            return True
        for cron in crons:
            # A fault: the cron worker is running it right now.
            with contextlib.suppress(xmlrpc.client.Fault):
                odoo.rpc("ir.cron", "method_direct_trigger", [cron])
        time.sleep(3)
    return False


def odoo_arguments(description):
    """The arguments that say which Odoo to start, on which database."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers")
    return parser


def main():
    parser = odoo_arguments(__doc__.split("\n")[0])
    parser.add_argument("--stand-in", required=True)
    parser.add_argument("--log", default="/dev/null")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    random.seed(args.seed)
    stats = Stats()
    scenario = Scenario(rng)
    odoo = Odoo(args, free_port())
    twilio = FaultyTwilio(args.stand_in, scenario.faulted, odoo.url, stats)
    threading.Thread(target=twilio.serve_forever, daemon=True).start()

    started = time.time()
    odoo.start()
    try:
        odoo.login()
        configure(odoo, twilio.url())
        barriers = {call[0]: barrier for pair in scenario.pairs
                    for barrier in [threading.Barrier(2)] for call in pair}
        stop_barriers = {call[0]: threading.Barrier(2) for call in scenario.stop_races}
        barriers.update(stop_barriers)
        stop_answered = {}
        # The pairs and the STOP races first, so that both sides of each run at once.
        calls = sorted(scenario.calls, key=lambda call: call[0] not in barriers)
        with ThreadPoolExecutor(max_workers=20) as pool:
            futures = [pool.submit(send_stop, odoo.url, call[1], stats, stop_barriers[call[0]], stop_answered)
                       for call in scenario.stop_races]
            futures += [pool.submit(play_call, odoo.url, call, random.Random(rng.random()), stats,
                                    barriers.get(call[0])) for call in calls]
            # Twilio holds the texts it received for the held callers: Odoo dies meanwhile.
            held = all(twilio.held.acquire(timeout=HOLD_TIMEOUT) for _number in scenario.held)
            odoo.kill()
            stats.add("restarts")
            stats.add("killed while Twilio held a text", held and len(scenario.held))
            twilio.release.set()
            odoo.start()
            odoo.login()
            for future in futures:
                future.result()
        # Text-backs wait for their retry: Odoo crashes and comes back.
        odoo.kill()
        stats.add("restarts")
        odoo.start()
        odoo.login()
        settled = settle(odoo, timeout=240)

        logs = odoo.rpc("crm.call.log", "search_read", [], ["call_sid", "from_number", "status", "textback_state",
                                                            "textback_sid", "lead_id", "partner_id", "crm_synced"])
        leads = odoo.rpc("crm.lead", "search_read", [("source_id.name", "=", "Missed Call")], ["phone_sanitized"])
        partners = odoo.rpc("res.partner", "search_read", [("phone_sanitized", "like", "+1415555")],
                            ["phone_sanitized"])
    finally:
        odoo.kill()
        twilio.shutdown()

    # Texts to FORWARD_TO are the salesperson's alerts (one per missed call); the others, text-backs.
    alerts = [m for m in twilio.messages if m["to"] == FORWARD_TO]
    texts_per_number = Counter(m["to"] for m in twilio.messages if m["to"] != FORWARD_TO)
    stop_numbers = {call[1] for call in scenario.stop_races}
    texted_after_stop = {
        number for number in stop_numbers
        if any(at > stop_answered.get(number, float("inf")) for at in twilio.received_at.get(number, []))}
    logs_per_sid = Counter(log["call_sid"] for log in logs)
    expected_sids = {call[0] for call in scenario.calls}
    leads_per_number = Counter(lead["phone_sanitized"] for lead in leads)
    partners_per_number = Counter(p["phone_sanitized"] for p in partners)
    status_of = {call[0]: ("answered" if call[2] == "completed" else "missed") for call in scenario.calls}
    missed_logs = [log for log in logs if log["status"] == "missed"]

    checks = {
        "everything settled (no text waiting, no CRM update pending)": settled,
        "one call log per call": set(logs_per_sid) == expected_sids and set(logs_per_sid.values()) == {1},
        "each call answered or missed as it was": all(log["status"] == status_of.get(log["call_sid"])
                                                     for log in logs),
        "one text per caller with a missed call (none or one after a racing STOP)": {
            number: count for number, count in texts_per_number.items() if number not in stop_numbers
        } == dict.fromkeys(scenario.missed_numbers - stop_numbers, 1) and all(
            texts_per_number[number] <= 1 for number in stop_numbers),
        "no text reached Twilio after its caller's STOP was answered": not texted_after_stop,
        "one alert to the salesperson per missed call": len(alerts) == len(missed_logs),
        "Odoo killed while Twilio held texts it had received": stats.counts[
            "killed while Twilio held a text"] == len(scenario.held),
        "no text to a caller whose call was answered": not (set(texts_per_number) & scenario.answered_numbers),
        "one lead per caller with a missed call": leads_per_number == Counter(
            dict.fromkeys(scenario.missed_numbers, 1)),
        "one contact per caller with a missed call": partners_per_number == Counter(
            dict.fromkeys(scenario.missed_numbers, 1)),
        "every missed call reached its lead": all(log["lead_id"] and log["crm_synced"] for log in missed_logs),
        "every text delivered (status callbacks applied, early or late)": all(
            log["textback_state"] in ("delivered", "skipped") for log in missed_logs),
        "no 5xx answer": stats.counts["5xx answers"] == 0,
        "no webhook refused": stats.counts["refused webhooks"] == 0,
        "no request rejected by Twilio's spec": stats.counts["spec violations"] == 0,
        "every planned fault injected": stats.counts["faults injected"] == len(scenario.faulted),
    }
    counts = {
        "calls": len(scenario.calls),
        "webhooks sent": stats.counts["webhooks sent"],
        "duplicates injected": stats.counts["duplicates injected"],
        "faults injected": stats.counts["faults injected"],
        "message lookups after ambiguous failures": stats.counts["message lookups"],
        "Odoo restarts": stats.counts["restarts"],
        "texts held by Twilio when Odoo was killed": stats.counts["killed while Twilio held a text"],
        "STOPs racing a missed call": len(scenario.stop_races),
        "of which texted before the STOP was answered": sum(bool(texts_per_number[n]) for n in stop_numbers),
        "call logs": len(logs),
        "call logs expected": len(expected_sids),
        "texts sent": len(twilio.messages) - len(alerts),
        "alerts sent to the salesperson": len(alerts),
        "texts expected (a racing STOP may take one each)": len(scenario.missed_numbers),
        "leads": len(leads),
        "contacts": len(partners),
        "5xx answers": stats.counts["5xx answers"],
        "spec violations": stats.counts["spec violations"],
        "seconds": round(time.time() - started),
    }
    print("Fault injection against Odoo (2 workers) and the Twilio API stand-in:")
    for name, value in counts.items():
        print(f"  {name}: {value}")
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
    if texted_after_stop:
        print(f"  texted after their STOP was answered: {sorted(texted_after_stop)}")
    if not checks["one text per caller with a missed call (none or one after a racing STOP)"]:
        wrong = {n: c for n, c in texts_per_number.items() if c != 1} | {
            n: 0 for n in scenario.missed_numbers if n not in texts_per_number}
        print(f"  texts per number that differ: {wrong}")
    if not checks["one alert to the salesperson per missed call"]:
        repeated = {body: count for body, count in Counter(m["body"] for m in alerts).items() if count > 1}
        print(f"  alerts: {len(alerts)} for {len(missed_logs)} missed calls; the same alert more than once: {repeated}")
    failed = sum(not ok for ok in checks.values())
    print(f"fault-injection: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
