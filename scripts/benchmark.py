"""Benchmark: how fast the caller gets the text, and how much load Odoo takes.

Starts Odoo with this add-on on the given (fresh) database in multi-worker mode
(2 HTTP workers and a cron worker), a recording Twilio API stand-in in this
process, and a load generator in a separate process. The generator replays
signed Twilio call sequences (voice -> dial status no-answer or completed) that
arrive open-loop: Poisson arrivals at a fixed rate, each call on its own
connection, never waiting for the server. The stand-in answers the Messages API
and, a second later, posts the signed message status callbacks (sent, then
delivered) as Twilio does. The mix: 70% new callers, 20% existing contacts, 10%
repeat callers inside the cool-down; 80% of the calls missed. At the same rate
the generator also hits a bare Odoo route, for comparison.

For each rate it reports webhook latency p50/p95/p99 per endpoint, time to text
(from the dial-status request leaving the caller's side to the Messages request
arriving at the stand-in) p50/p95/p99, the bare route's latency and the ratio,
the CRM lag (from the dial status to the call's contact, lead, note and
call-back activity being committed), the CPU each component used, and whether a
backlog grew. Then the capacity: the highest rate whose time to text stays under
1 s at p99, with no failed request, no growing latency and the CRM work keeping
up. Last, a correctness check: call logs, texts, contacts, leads, activities and
delivery statuses equal to what the replayed mix implies.

With --analytics N it also inserts N call logs and N leads and times the heat-map
and KPI queries against a crm.lead read_group over as many rows.

    python benchmark.py --odoo-bin ... --config ... --database ... [--rates 5,10,20,30]
"""
import ast
import json
import multiprocessing
import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from queue import Empty
from urllib.parse import parse_qs

import psutil
import psycopg2
import requests
from fault_injection import ACCOUNT_SID, AUTH_TOKEN, FORWARD_TO, LINE_NUMBER, Odoo, configure, free_port, odoo_arguments
from twilio.request_validator import RequestValidator

# How long the forwarded phone rings before the dial status, in the replay.
RING_SECONDS = 0.5
# How long after the Messages request Twilio reports the text sent, then delivered.
STATUS_DELAYS = (1.0, 1.5)
TIME_TO_TEXT_TARGET = 1.0
# The CRM keeps up when every missed call has its lead and call-back this soon.
CRM_LAG_TARGET = 10.0
# How long to wait after the load for the CRM work and status callbacks to finish.
DRAIN_TIMEOUT = 120


def percentile(values, share):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(values):
    return {name: percentile(values, share) for name, share in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))}


def ms(value):
    if value is None:
        return "-"
    return f"{value:.1f} s" if value >= 10 else f"{value * 1000:.0f} ms"


def signed_post(url, params):
    """POST ``params`` as Twilio does, signed; (start time, latency, HTTP status or 0)."""
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    started = time.time()
    try:
        # A new session per request: each on its own connection, as Twilio does.
        response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=60)
        status = response.status_code
    except requests.RequestException:
        status = 0
    return started, time.time() - started, status


# ----------------------------------------------------------------------
# The recording Twilio stand-in, with its status callbacks
# ----------------------------------------------------------------------

class RecordingTwilio(ThreadingHTTPServer):
    daemon_threads = True
    # Twilio never refuses a connection; socketserver's backlog of 5 would, under load
    # (a refused SYN costs the sender 1 s, then 3 s).
    request_queue_size = 256

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RecordingTwilioHandler)
        self.lock = threading.Lock()
        self.texts = []                          # (arrival time, To, Body)
        self.callbacks = []                      # (start time, latency, HTTP status, To)
        self.pending_callbacks = 0

    def send_status_callbacks(self, url, sid, to):
        for status, delay in zip(("sent", "delivered"), STATUS_DELAYS, strict=True):
            threading.Timer(delay, self.post_status, args=(url, sid, status, to)).start()
        with self.lock:
            self.pending_callbacks += len(STATUS_DELAYS)

    def post_status(self, url, sid, status, to):
        started, latency, code = signed_post(url, {
            "AccountSid": ACCOUNT_SID, "MessageSid": sid, "SmsSid": sid, "MessageStatus": status,
            "SmsStatus": status, "ApiVersion": "2010-04-01"})
        with self.lock:
            self.callbacks.append((started, latency, code, to))
            self.pending_callbacks -= 1


class RecordingTwilioHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body leave in two writes: with Nagle's algorithm the body waits
    # for the client's delayed ACK, 40 ms per request that Twilio does not cost.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_POST(self):
        arrived = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        form = {key: value[0] for key, value in parse_qs(body.decode()).items()}
        with self.server.lock:
            self.server.texts.append((arrived, form.get("To"), form.get("Body") or ""))
        sid = "SM" + uuid.uuid4().hex
        payload = json.dumps({
            "sid": sid, "status": "queued", "to": form.get("To"), "from": form.get("From"),
            "body": form.get("Body"), "account_sid": ACCOUNT_SID, "api_version": "2010-04-01",
            "date_created": "Fri, 27 Nov 2026 00:00:00 +0000", "num_segments": "1", "direction": "outbound-api",
        }).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        if form.get("StatusCallback"):
            self.server.send_status_callbacks(form["StatusCallback"], sid, form.get("To"))


# ----------------------------------------------------------------------
# The load generator (a separate process)
# ----------------------------------------------------------------------

def play_call(odoo_url, call, results):
    sid, number, outcome = call
    base = {"AccountSid": ACCOUNT_SID, "CallSid": sid, "From": number, "To": LINE_NUMBER,
            "Direction": "inbound", "ApiVersion": "2010-04-01"}
    _, latency, status = signed_post(f"{odoo_url}/missed_call/twilio/voice", dict(base, CallStatus="ringing"))
    results.append(("voice", latency, status, None, sid, number))
    time.sleep(RING_SECONDS)
    sent_at, latency, status = signed_post(f"{odoo_url}/missed_call/twilio/dial_status", dict(
        base, CallStatus="in-progress", DialCallStatus=outcome,
        DialCallDuration="0" if outcome != "completed" else "40"))
    results.append(("dial_status", latency, status, sent_at, sid, number))


def hit_bare_route(odoo_url, results):
    started = time.time()
    try:
        status = requests.get(f"{odoo_url}/web/health", timeout=60).status_code
    except requests.RequestException:
        status = 0
    results.append(("bare route", time.time() - started, status, started, None, None))


def generate_load(odoo_url, calls, rate, seed, queue):
    """Open loop: each arrival starts on its own thread at its Poisson time."""
    rng = random.Random(seed)
    results = []
    threads = []
    start = time.time()
    next_call = next_bare = start
    pending = list(calls)
    while pending:
        now = time.time()
        if now >= next_call:
            thread = threading.Thread(target=play_call, args=(odoo_url, pending.pop(0), results))
            thread.start()
            threads.append(thread)
            next_call += rng.expovariate(rate)
        if now >= next_bare:
            thread = threading.Thread(target=hit_bare_route, args=(odoo_url, results))
            thread.start()
            threads.append(thread)
            next_bare += rng.expovariate(rate)
        time.sleep(max(0.0, min(next_call, next_bare) - time.time()))
    for thread in threads:
        thread.join()
    queue.put((results, time.time() - start, time.process_time()))


# ----------------------------------------------------------------------
# Watching the database and the processes
# ----------------------------------------------------------------------

class CrmWatcher(threading.Thread):
    """Notes when each missed call's CRM work is committed, by polling the database
    directly (not through Odoo, which it must not load)."""
    daemon = True

    def __init__(self, database):
        super().__init__()
        self.connection = psycopg2.connect(dbname=database)
        self.connection.autocommit = True
        self.synced_at = {}                      # call SID -> first seen synced
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            with self.connection.cursor() as cr:
                cr.execute("SELECT call_sid FROM crm_call_log WHERE status = 'missed' AND crm_synced")
                now = time.time()
                for (sid,) in cr.fetchall():
                    self.synced_at.setdefault(sid, now)
            self.stopped.wait(0.25)

    def scalar(self, query, params=None):
        with self.connection.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchone()[0]


class CpuMeter:
    """CPU seconds used by Odoo (all its processes), PostgreSQL, and this process (the
    stand-in and its status callbacks); the load generator reports its own."""

    def __init__(self, odoo_pid):
        self.odoo_pid = odoo_pid

    def processes(self):
        groups = {"odoo": [], "postgresql": [], "stand-in": [psutil.Process()]}
        try:
            odoo = psutil.Process(self.odoo_pid)
            groups["odoo"] = [odoo, *odoo.children(recursive=True)]
        except psutil.NoSuchProcess:
            pass
        groups["postgresql"] = [process for process in psutil.process_iter(["name"])
                                if process.info["name"] == "postgres"]
        return groups

    def snapshot(self):
        times = {}
        for group, processes in self.processes().items():
            for process in processes:
                try:
                    cpu = process.cpu_times()
                    times[group, process.pid] = cpu.user + cpu.system
                except psutil.Error:
                    pass
        return times

    @staticmethod
    def used(before, after):
        """CPU seconds per group between two snapshots (processes gone in between are not counted)."""
        used = defaultdict(float)
        for (group, pid), seconds in after.items():
            used[group] += seconds - before.get((group, pid), 0.0)
        return used


# ----------------------------------------------------------------------

def make_calls(rng, count, existing, numbers, texted):
    """The mix: 70% new callers, 20% existing contacts, 10% repeat callers; 80% missed."""
    calls = []
    for _ in range(count):
        kind = rng.choices(["new", "existing", "repeat"], [70, 20, 10])[0]
        if kind == "repeat" and texted:
            number = rng.choice(sorted(texted))
        elif kind == "existing":
            number = rng.choice(existing)
        else:
            number = f"+1415{next(numbers):07d}"
        outcome = "no-answer" if rng.random() < 0.8 else "completed"
        calls.append(("CA" + uuid.uuid4().hex, number, outcome))
        if outcome == "no-answer":
            texted.add(number)
    return calls


def wait_for(queue, process):
    """What ``process`` puts in ``queue``; stops with its exit code if it dies first."""
    while True:
        try:
            return queue.get(timeout=1)
        except Empty:
            if not process.is_alive():
                raise SystemExit(f"the load generator died (exit code {process.exitcode})") from None


def numbers_in(digits):
    """The 11-digit US numbers (without +) an alert's digits may name: every window of 11."""
    return {digits[start:start + 11] for start in range(max(len(digits) - 10, 0))}


def run_rate(odoo, twilio, watcher, cpu, rate, duration, rng, existing, numbers, texted):
    calls = make_calls(rng, int(rate * duration), existing, numbers, texted)
    missed_sids = {sid for sid, _number, outcome in calls if outcome == "no-answer"}
    first_text, first_callback = len(twilio.texts), len(twilio.callbacks)
    cpu_before = cpu.snapshot()
    # Spawned, not forked: a fork would copy this process's threads' locks and its
    # database connection into the generator.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    generator = context.Process(target=generate_load, args=(odoo.url, calls, rate, rng.random(), queue))
    generator.start()
    results, elapsed, generator_cpu = wait_for(queue, generator)
    generator.join()
    load_end = time.time()
    cpu_used = cpu.used(cpu_before, cpu.snapshot())
    cpu_used["load generator"] = generator_cpu
    # A call whose webhook failed (the server overloaded) stays unfinished, as it would
    # until Twilio's retry: such calls are counted as errors, not waited for.
    failed_sids = {sid for _endpoint, _latency, status, _sent_at, sid, _number in results if sid and status != 200}
    missed_sids -= failed_sids
    # The CRM work still waiting when the load stops, and how long it takes to finish.
    waiting = len(missed_sids - watcher.synced_at.keys())
    while missed_sids - watcher.synced_at.keys() and time.time() < load_end + DRAIN_TIMEOUT:
        time.sleep(0.25)
    drain = max(0.0, max((watcher.synced_at.get(sid, time.time()) for sid in missed_sids), default=load_end) - load_end)
    deadline = time.time() + DRAIN_TIMEOUT
    # The alerts leave right after their calls' CRM update is committed.
    while (twilio.pending_callbacks or watcher.scalar(
            "SELECT count(*) FROM sms_sms WHERE missed_call_alert AND state = 'outgoing'")) \
            and time.time() < deadline:
        time.sleep(0.25)
    callbacks = twilio.callbacks[first_callback:]
    failed_callbacks = {to for _started, _latency, code, to in callbacks if code != 200}
    texts = twilio.texts[first_text:]
    arrivals = defaultdict(list)
    # The salesperson's alerts go to the line's Forward To, one per missed call, naming the caller.
    alert_arrivals = defaultdict(list)
    for arrived, to, body in texts:
        if to == FORWARD_TO:
            for number in numbers_in(re.sub(r"\D", "", body)):
                alert_arrivals[number].append(arrived)
        else:
            arrivals[to].append(arrived)
    by_endpoint = defaultdict(list)
    errors = 0
    time_to_text, crm_lag, time_to_alert = [], [], []
    dial_sends = sorted((r for r in results if r[0] == "dial_status"), key=lambda r: r[3])
    for endpoint, latency, status, _sent_at, _sid, _number in results:
        by_endpoint[endpoint].append(latency)
        errors += status != 200
    by_endpoint["message_status"] = [latency for _started, latency, _code, _to in callbacks]
    errors += sum(code != 200 for _started, _latency, code, _to in callbacks)
    for _endpoint, _latency, _status, sent_at, sid, number in dial_sends:
        later = [arrived for arrived in arrivals.get(number, []) if arrived >= sent_at]
        if sid not in missed_sids:
            continue
        if later:
            time_to_text.append(min(later) - sent_at)
            arrivals[number].remove(min(later))
        crm_lag.append(watcher.synced_at.get(sid, time.time()) - sent_at)
        # A repeat caller's calls each have their alert: the first one after this call's dial status.
        alerted = [arrived for arrived in alert_arrivals[number[1:]] if arrived >= sent_at]
        if alerted:
            time_to_alert.append(min(alerted) - sent_at)
            alert_arrivals[number[1:]].remove(min(alerted))
    # Latency grows when the server cannot keep up: the last third of the calls
    # waits clearly longer than the first third.
    third = max(len(dial_sends) // 3, 1)
    early = [r[1] for r in dial_sends[:third]]
    late = [r[1] for r in dial_sends[-third:]]
    growing = bool(early and late and percentile(late, 0.5) > max(2 * percentile(early, 0.5), 0.25))
    crm_behind = (percentile(crm_lag, 0.99) or 0) > CRM_LAG_TARGET
    return {
        "rate": rate, "calls": len(calls), "elapsed": elapsed, "errors": errors,
        "endpoints": {endpoint: summary(values) for endpoint, values in by_endpoint.items()},
        "time_to_text": summary(time_to_text), "texts": len(texts), "crm_lag": summary(crm_lag),
        "time_to_alert": summary(time_to_alert), "alerts": len(time_to_alert), "missed": len(crm_lag),
        "crm_waiting": waiting, "crm_drain": drain, "cpu": {k: v / elapsed for k, v in cpu_used.items()},
        "backlog": growing or crm_behind, "growing": growing, "crm_behind": crm_behind, "calls_played": calls,
        "failed_sids": failed_sids, "failed_callback_numbers": failed_callbacks,
    }


def expected_outcome(calls, existing, alert_channel):
    """What the replayed calls must leave behind."""
    missed_numbers = {number for _sid, number, outcome in calls if outcome == "no-answer"}
    missed = sum(outcome == "no-answer" for _sid, _number, outcome in calls)
    return {
        "call logs": len(calls),
        "missed calls": sum(outcome == "no-answer" for _sid, _number, outcome in calls),
        # One text per caller: the cool-down (24 h) covers the whole run.
        "texts": len(missed_numbers),
        "delivered texts": len(missed_numbers),
        "new contacts": len(missed_numbers - set(existing)),
        "missed-call leads": len(missed_numbers),
        "call-back activities": len(missed_numbers),
        # One alert per missed call, a repeat caller's too (the line texts by default).
        "alert texts": missed if alert_channel in (None, "sms", "both") else 0,
        "calls waiting": 0,
    }


def actual_outcome(watcher, twilio, calls):
    """What the database and the stand-in hold for ``calls``."""
    scalar = watcher.scalar
    sids = [sid for sid, _number, _outcome in calls]
    numbers = sorted({number for _sid, number, _outcome in calls})
    alerted = {number[1:] for number in numbers}
    return {
        "call logs": scalar("SELECT count(*) FROM crm_call_log WHERE call_sid = ANY(%s)", [sids]),
        "missed calls": scalar(
            "SELECT count(*) FROM crm_call_log WHERE call_sid = ANY(%s) AND status = 'missed'", [sids]),
        "texts": sum(to in set(numbers) for _arrived, to, _body in twilio.texts),
        "alert texts": sum(to == FORWARD_TO and bool(numbers_in(re.sub(r"\D", "", body)) & alerted)
                           for _arrived, to, body in twilio.texts),
        "delivered texts": scalar(
            "SELECT count(*) FROM crm_call_log WHERE call_sid = ANY(%s) AND textback_state = 'delivered'", [sids]),
        "new contacts": scalar(
            "SELECT count(*) FROM res_partner WHERE phone_sanitized = ANY(%s) AND phone_sanitized LIKE '+1415%%'",
            [numbers]),
        "missed-call leads": scalar("""
            SELECT count(*) FROM crm_lead l
              JOIN ir_model_data d ON d.model = 'utm.source' AND d.res_id = l.source_id
             WHERE d.module = 'crm_missed_call_textback' AND d.name = 'utm_source_missed_call'
               AND l.phone_sanitized = ANY(%s)""", [numbers]),
        "call-back activities": scalar("""
            SELECT count(*) FROM mail_activity a
              JOIN mail_activity_type t ON t.id = a.activity_type_id
              JOIN crm_lead l ON a.res_model = 'crm.lead' AND l.id = a.res_id
             WHERE t.category = 'phonecall' AND l.phone_sanitized = ANY(%s)""", [numbers]),
        "calls waiting": scalar("""
            SELECT count(*) FROM crm_call_log
             WHERE call_sid = ANY(%s)
               AND (textback_state = 'outgoing' OR (status = 'missed' AND crm_synced IS NOT TRUE))""", [sids]),
    }


def analytics(args, rows):
    """Insert ``rows`` call logs and leads, then time the heat map and KPIs in Odoo."""
    script = f"""
import time
cr = env.cr
line = env["crm.phone.line"].search([], limit=1)
company = line.company_id.id
cr.execute('''
    INSERT INTO crm_call_log (call_sid, line_id, company_id, user_id, from_number, to_number, call_start, duration,
        status, missed_reason, after_hours, textback_state, textback_sid, call_hour, call_weekday, responded,
        callback_seconds, called_back_in_time, called_back_at, crm_synced, textback_attempts, lead_revenue_won,
        direction, voicemail_state, create_date, write_date, create_uid, write_uid)
    SELECT 'CAbench' || g, %(line)s, %(company)s, 2, '+1415' || lpad((g %% 9000000)::text, 7, '0'), '+14155550100',
           now() - (g %% 86400 || ' minutes')::interval, 30,
           CASE WHEN g %% 4 = 0 THEN 'missed' ELSE 'answered' END,
           CASE WHEN g %% 4 = 0 THEN 'no-answer' END, g %% 7 = 0,
           CASE WHEN g %% 4 = 0 THEN (CASE WHEN g %% 10 = 0 THEN 'undelivered' ELSE 'delivered' END) ELSE 'none' END,
           CASE WHEN g %% 4 = 0 THEN 'SMbench' || g END,
           g %% 24, ((g / 24) %% 7)::text, g %% 8 = 0,
           CASE WHEN g %% 12 = 0 THEN g %% 3600 END, g %% 24 = 0, CASE WHEN g %% 12 = 0 THEN now() END,
           true, 1, 0, 'inbound', 'none', now(), now(), 1, 1
      FROM generate_series(1, {rows}) g
''', {{"line": line.id, "company": company}})
cr.execute('''
    INSERT INTO crm_lead (name, type, active, probability, company_id, expected_revenue, user_id, create_date,
                          write_date, create_uid, write_uid, date_open, date_last_stage_update)
    SELECT 'Bench lead ' || g, 'opportunity', true, (g %% 5) * 25, %(company)s, g %% 1000, 2, now(), now(), 1, 1,
           now() - (g %% 1440 || ' hours')::interval, now()
      FROM generate_series(1, {rows}) g
''', {{"company": company}})
cr.execute("ANALYZE crm_call_log; ANALYZE crm_lead")
cr.commit()
env.invalidate_all()
Report = env["crm.call.report"]
def timed(function, repeat=3):
    best = None
    for _ in range(repeat):
        started = time.perf_counter(); function(); spent = time.perf_counter() - started
        best = spent if best is None else min(best, spent)
    return best
heat = timed(lambda: Report._read_group([], ["call_weekday", "call_hour"], ["call_count:sum", "missed_rate:avg"]))
by_line = timed(lambda: Report._read_group([], ["line_id"], ["call_count:sum", "missed:sum", "missed_rate:avg",
    "delivery_rate:avg", "response_rate:avg", "callback_seconds:avg", "lead_won:sum", "revenue_won:sum"]))
import datetime
now = datetime.datetime.now()
kpis = timed(lambda: Report._kpis(now - datetime.timedelta(days=90), now))
leads = timed(lambda: env["crm.lead"]._read_group([], ["user_id", "stage_id"], ["expected_revenue:sum", "__count"]))
print("ANALYTICS", {{"heat_map": heat, "by_line_rates": by_line, "kpis": kpis, "crm_lead_read_group": leads,
                    "call_logs": env["crm.call.log"].search_count([]), "leads": env["crm.lead"].search_count([])}})
"""
    return odoo_shell(args, script, "ANALYTICS")


def odoo_shell(args, script, marker):
    """Run ``script`` in ``odoo-bin shell`` on the benchmark's database; return the value
    it printed after ``marker``."""
    output = subprocess.run(
        [args.python, args.odoo_bin, "shell", "-c", args.config, "-d", args.database, "--log-level=warn"],
        input=script, capture_output=True, text=True, timeout=1800, check=False)
    for line in output.stdout.splitlines():
        if line.startswith(marker + " "):
            return ast.literal_eval(line[len(marker) + 1:])
    raise SystemExit(f"{marker} failed:\n{output.stdout[-2000:]}\n{output.stderr[-3000:]}")


def crm_cost(args, calls):
    """Time the CRM update of ``calls`` fresh missed calls per alert channel of the line:
    Odoo's "activity assigned" email (``email``, as before alerts existed) against the
    alert text (``sms``, the default), and ``none``. Each run is rolled back. The alert
    text is created with the CRM update and counted; its sending (one Twilio request
    after the commit) is not, and shows as the time to alert under load."""
    script = f"""
import time
from unittest.mock import patch
from odoo import fields
cr = env.cr
Log = env["crm.call.log"]
line = env["crm.phone.line"].search([], limit=1)
costs = {{}}
with patch.object(type(Log), "_send_alerts", lambda *args, **kwargs: None):
    for channel in ("email", "sms", "none"):
        best = None
        for attempt in range(3):
            cr.execute("SAVEPOINT crm_cost")
            line.alert_channel = channel
            now = fields.Datetime.now()
            logs = Log.create([{{
                "call_sid": f"CAcost{{attempt}}{{channel}}{{n}}", "line_id": line.id,
                "from_number": f"+1510{{2000000 + attempt * 10000 + n}}", "to_number": line.number,
                "call_start": now, "status": "missed", "missed_reason": "no-answer",
                "textback_state": "delivered", "textback_sid": f"SMcost{{attempt}}{{channel}}{{n}}",
            }} for n in range({calls})])
            env.flush_all()
            queries = cr.sql_log_count
            started = time.perf_counter()
            Log._cron_crm_sync(auto_commit=False, limit={calls})
            env.flush_all()
            spent = time.perf_counter() - started
            queries = cr.sql_log_count - queries
            synced = len(logs.filtered("crm_synced"))
            alerts = env["sms.sms"].search_count([("missed_call_alert", "=", True), ("state", "=", "outgoing")])
            mails = env["mail.mail"].search_count([("model", "=", "crm.lead"), ("res_id", "in", logs.lead_id.ids)])
            cr.execute("ROLLBACK TO SAVEPOINT crm_cost")
            env.invalidate_all()
            if best is None or spent < best[0]:
                best = (spent, queries, synced, alerts, mails)
        costs[channel] = best
print("CRMCOST", costs)
"""
    return odoo_shell(args, script, "CRMCOST")


def odoo_version(args):
    """The version of the Odoo that ``args.odoo_bin`` runs, as its release module says."""
    return subprocess.run(
        [args.python, "-c", "import odoo.release as release; print(release.version)"],
        cwd=os.path.dirname(os.path.abspath(args.odoo_bin)), capture_output=True, text=True, check=True,
    ).stdout.strip()


def report(results, workers, version):
    print(f"Benchmark: Odoo {version} with {workers} HTTP workers and a cron worker, open-loop Poisson arrivals, "
          "recording Twilio stand-in")
    print(f"{'rate/s':>6} {'calls':>5} {'voice p50/p99':>17} {'dial_status p50/p99':>19} {'msg status p50/p99':>19} "
          f"{'time to text p50/p95/p99':>26} {'bare p50/p99':>17} {'ratio':>5} {'CRM lag p50/p99':>17} "
          f"{'errors':>6} {'backlog':>7}")
    capacity = None
    for result in results:
        voice = result["endpoints"].get("voice", {})
        dial = result["endpoints"].get("dial_status", {})
        status = result["endpoints"].get("message_status", {})
        bare = result["endpoints"].get("bare route", {})
        ttt, lag = result["time_to_text"], result["crm_lag"]
        ratio = (dial["p50"] / bare["p50"]) if dial.get("p50") and bare.get("p50") else None
        ok = ttt["p99"] is not None and ttt["p99"] < TIME_TO_TEXT_TARGET and not result["backlog"] \
            and not result["errors"]
        if ok:
            capacity = result["rate"]
        backlog = "no" if not result["backlog"] else ("latency" if result["growing"] else "CRM")
        print(f"{result['rate']:>6.0f} {result['calls']:>5} {ms(voice.get('p50')) + ' / ' + ms(voice.get('p99')):>17} "
              f"{ms(dial.get('p50')) + ' / ' + ms(dial.get('p99')):>19} "
              f"{ms(status.get('p50')) + ' / ' + ms(status.get('p99')):>19} "
              f"{' / '.join(ms(ttt[k]) for k in ('p50', 'p95', 'p99')):>26} "
              f"{ms(bare.get('p50')) + ' / ' + ms(bare.get('p99')):>17} "
              f"{(f'{ratio:.1f}x' if ratio else '-'):>5} {ms(lag['p50']) + ' / ' + ms(lag['p99']):>17} "
              f"{result['errors']:>6} {backlog:>7}")
    print("CPU used while the load ran (cores busy, of 2), and the CRM work left when it stopped:")
    for result in results:
        cpu = result["cpu"]
        print(f"  {result['rate']:>4.0f}/s: " + ", ".join(
            f"{name} {cpu.get(name, 0):.2f}" for name in ("odoo", "postgresql", "load generator", "stand-in"))
            + f"; total {sum(cpu.values()):.2f}; {result['crm_waiting']} calls waiting for the CRM, "
            f"done {result['crm_drain']:.1f} s after the last call")
    print("Alert text to the salesperson's phone (from the dial status to its Messages request, one per "
          "missed call):")
    for result in results:
        alert = result["time_to_alert"]
        print(f"  {result['rate']:>4.0f}/s: {result['alerts']} alerts for {result['missed']} missed calls, p50/p95/p99 "
              + " / ".join(ms(alert[k]) for k in ("p50", "p95", "p99")))
    print(f"capacity (time to text p99 < 1 s, no failed request, no growing latency, CRM lag p99 < "
          f"{CRM_LAG_TARGET:.0f} s): {capacity or 0:.0f} missed calls/s arriving")


def main():
    parser = odoo_arguments(__doc__.split("\n")[0])
    parser.add_argument("--rates", default="5,10,20,30,40")
    parser.add_argument("--duration", type=float, default=20, help="seconds of load per rate")
    parser.add_argument("--analytics", type=int, default=0, help="rows for the analytics benchmark (0: skip)")
    parser.add_argument("--crm-cost", type=int, default=200,
                        help="fresh missed calls for the CRM cost per call and alert channel (0: skip)")
    parser.add_argument("--alert-channel", choices=["sms", "email", "both", "none"],
                        help="how the line alerts the salesperson (default: the line's default, a text)")
    parser.add_argument("--log", default="/dev/null")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    twilio = RecordingTwilio()
    threading.Thread(target=twilio.serve_forever, daemon=True).start()
    odoo = Odoo(args, free_port())
    odoo.start()
    watcher = CrmWatcher(args.database)
    watcher.start()
    try:
        odoo.login()
        configure(odoo, f"http://127.0.0.1:{twilio.server_port}")
        if args.alert_channel:
            lines = odoo.rpc("crm.phone.line", "search", [])
            odoo.rpc("crm.phone.line", "write", lines, {"alert_channel": args.alert_channel})
        existing = [f"+1628200{n:04d}" for n in range(200)]
        odoo.rpc("res.partner", "create", [{"name": f"Customer {n}", "phone": number}
                                           for n, number in enumerate(existing)])
        numbers = iter(range(2000000, 9999999))
        texted = set()
        cpu = CpuMeter(odoo.process.pid)
        all_calls, failed_sids, failed_callback_numbers = [], set(), set()
        rates = [4.0] + [float(rate) for rate in args.rates.split(",")]
        results = []
        for index, rate in enumerate(rates):
            duration = 5 if index == 0 else args.duration
            result = run_rate(odoo, twilio, watcher, cpu, rate, duration, rng, existing, numbers, texted)
            all_calls.extend(result.pop("calls_played"))
            failed_sids |= result.pop("failed_sids")
            failed_callback_numbers |= result.pop("failed_callback_numbers")
            if index:  # the first rate warms the workers up (registry and caches)
                results.append(result)
                print(f"{rate:.0f} calls/s: time to text p50/p99 {ms(result['time_to_text']['p50'])} / "
                      f"{ms(result['time_to_text']['p99'])}, CRM lag p99 {ms(result['crm_lag']['p99'])}, "
                      f"alert p99 {ms(result['time_to_alert']['p99'])}, "
                      f"{result['errors']} errors", file=sys.stderr, flush=True)
    finally:
        watcher.stopped.set()
        odoo.kill()
        twilio.shutdown()

    report(results, args.workers, odoo_version(args))
    # Correctness is checked on the callers none of whose webhooks failed.
    failed_numbers = {number for sid, number, _outcome in all_calls if sid in failed_sids} | failed_callback_numbers
    checked_calls = [call for call in all_calls if call[1] not in failed_numbers]
    watcher.join()
    actual = actual_outcome(watcher, twilio, checked_calls)
    expected = expected_outcome(checked_calls, existing, args.alert_channel)
    failed = False
    print(f"correctness (expected from the replayed mix == found), over {len(checked_calls)} of "
          f"{len(all_calls)} calls: {len(failed_sids)} calls and {len(failed_callback_numbers)} texts had a "
          f"webhook fail (overload), their {len(failed_numbers)} callers are left out:")
    for name, value in expected.items():
        ok = actual[name] == value
        failed |= not ok
        print(f"  {name}: {value} == {actual[name]} {'ok' if ok else 'FAILED'}")
    if args.crm_cost:
        costs = crm_cost(args, args.crm_cost)
        print(f"CRM update per missed call, {args.crm_cost} fresh calls in batches of 10 (best of 3), by how the "
              "line alerts the salesperson:")
        for channel, (spent, queries, synced, alerts, mails) in costs.items():
            print(f"  {channel}: {spent * 1000 / args.crm_cost:.1f} ms and {queries / args.crm_cost:.1f} queries "
                  f"per call ({synced} synced, {alerts} alert texts, {mails} emails)")
            failed |= synced != args.crm_cost
    if args.analytics:
        figures = analytics(args, args.analytics)
        print(f"analytics over {figures['call_logs']} call logs and {figures['leads']} leads (best of 3):")
        for name in ("heat_map", "by_line_rates", "kpis", "crm_lead_read_group"):
            print(f"  {name}: {figures[name] * 1000:.0f} ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
