"""Benchmark: how fast the caller gets the text, and how much load Odoo takes.

Starts Odoo with this add-on on the given (fresh) database in multi-worker mode
(2 HTTP workers), a recording Twilio API stand-in in this process, and a load
generator in a separate process. The generator replays signed Twilio call
sequences (voice -> dial status no-answer or completed -> message status) that
arrive open-loop: Poisson arrivals at a fixed rate, each call on its own
connection, never waiting for the server. The mix: 70% new callers, 20% existing
contacts, 10% repeat callers inside the cool-down. At the same rate it also hits
a bare Odoo route, for comparison.

For each rate it reports webhook latency p50/p95/p99 per endpoint, time to text
(from the dial-status request leaving the caller's side to the Messages request
arriving at the stand-in) p50/p95/p99, the bare route's latency and the ratio,
whether a backlog grew, and a correctness check. Then the capacity: the highest
rate whose time to text stays under 1 s at p99 without a growing backlog.

With --analytics N it also inserts N call logs and N leads and times the heat-map
and KPI queries against a crm.lead read_group over as many rows.

    python benchmark.py --odoo-bin ... --config ... --database ... [--rates 5,10,20,30]
"""
import ast
import json
import multiprocessing
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import requests
from twilio.request_validator import RequestValidator

from fault_injection import ACCOUNT_SID, AUTH_TOKEN, LINE_NUMBER, Odoo, configure, free_port, odoo_arguments

# How long the forwarded phone rings before the dial status, in the replay.
RING_SECONDS = 0.5
TIME_TO_TEXT_TARGET = 1.0


def percentile(values, share):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(values):
    return {name: percentile(values, share) for name, share in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))}


def ms(value):
    return "-" if value is None else f"{value * 1000:.0f} ms"


# ----------------------------------------------------------------------
# The recording Twilio stand-in
# ----------------------------------------------------------------------

class RecordingTwilio(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RecordingTwilioHandler)
        self.lock = threading.Lock()
        self.texts = []                          # (arrival time, To)


class RecordingTwilioHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        arrived = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        form = {key: value[0] for key, value in parse_qs(body.decode()).items()}
        with self.server.lock:
            self.server.texts.append((arrived, form.get("To")))
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

    do_GET = do_POST


# ----------------------------------------------------------------------
# The load generator (a separate process)
# ----------------------------------------------------------------------

def post(url, params):
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    started = time.time()
    try:
        # A new session per request: each call on its own connection, as Twilio does.
        response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=60)
        status = response.status_code
    except requests.RequestException:
        status = 0
    return started, time.time() - started, status


def play_call(odoo_url, call, results):
    sid, number, outcome = call
    base = {"AccountSid": ACCOUNT_SID, "CallSid": sid, "From": number, "To": LINE_NUMBER,
            "Direction": "inbound", "ApiVersion": "2010-04-01"}
    _, latency, status = post(f"{odoo_url}/missed_call/twilio/voice", dict(base, CallStatus="ringing"))
    results.append(("voice", latency, status, None, number))
    time.sleep(RING_SECONDS)
    sent_at, latency, status = post(f"{odoo_url}/missed_call/twilio/dial_status", dict(
        base, CallStatus="in-progress", DialCallStatus=outcome, DialCallDuration="0" if outcome != "completed" else "40"))
    results.append(("dial_status", latency, status, sent_at, number))


def hit_bare_route(odoo_url, results):
    started = time.time()
    try:
        status = requests.get(f"{odoo_url}/web/health", timeout=60).status_code
    except requests.RequestException:
        status = 0
    results.append(("bare route", time.time() - started, status, started, None))


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
    queue.put((results, time.time() - start))


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
    return calls


def run_rate(odoo, twilio, rate, duration, rng, existing, numbers, texted):
    calls = make_calls(rng, int(rate * duration), existing, numbers, texted)
    first_text = len(twilio.texts)
    queue = multiprocessing.Queue()
    generator = multiprocessing.Process(target=generate_load, args=(odoo.url, calls, rate, rng.random(), queue))
    generator.start()
    results, elapsed = queue.get()
    generator.join()
    time.sleep(2)
    texts = twilio.texts[first_text:]
    arrivals = defaultdict(list)
    for arrived, to in texts:
        arrivals[to].append(arrived)
    by_endpoint = defaultdict(list)
    errors = 0
    time_to_text = []
    dial_sends = sorted((r for r in results if r[0] == "dial_status"), key=lambda r: r[3])
    for endpoint, latency, status, _sent_at, _number in results:
        by_endpoint[endpoint].append(latency)
        errors += status != 200
    for _endpoint, _latency, _status, sent_at, number in dial_sends:
        later = [arrived for arrived in arrivals.get(number, []) if arrived >= sent_at]
        if later:
            time_to_text.append(min(later) - sent_at)
            arrivals[number].remove(min(later))
    # A backlog grows when the server cannot keep up: requests fail or time out, or the
    # last third of the calls waits clearly longer than the first third.
    third = max(len(dial_sends) // 3, 1)
    early = [r[1] for r in dial_sends[:third]]
    late = [r[1] for r in dial_sends[-third:]]
    backlog = errors > 0 or bool(early and late and percentile(late, 0.5) > max(2 * percentile(early, 0.5), 0.25))
    for _when, to in texts:
        texted.add(to)
    return {
        "rate": rate, "calls": len(calls), "elapsed": elapsed, "errors": errors,
        "endpoints": {endpoint: summary(values) for endpoint, values in by_endpoint.items()},
        "time_to_text": summary(time_to_text), "texts": len(texts), "backlog": backlog,
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
        create_date, write_date, create_uid, write_uid)
    SELECT 'CAbench' || g, %(line)s, %(company)s, 2, '+1415' || lpad((g %% 9000000)::text, 7, '0'), '+14155550100',
           now() - (g %% 86400 || ' minutes')::interval, 30,
           CASE WHEN g %% 4 = 0 THEN 'missed' ELSE 'answered' END,
           CASE WHEN g %% 4 = 0 THEN 'no-answer' END, g %% 7 = 0,
           CASE WHEN g %% 4 = 0 THEN (CASE WHEN g %% 10 = 0 THEN 'undelivered' ELSE 'delivered' END) ELSE 'none' END,
           CASE WHEN g %% 4 = 0 THEN 'SMbench' || g END,
           g %% 24, ((g / 24) %% 7)::text, g %% 8 = 0,
           CASE WHEN g %% 12 = 0 THEN g %% 3600 END, g %% 24 = 0, CASE WHEN g %% 12 = 0 THEN now() END,
           true, 1, 0, now(), now(), 1, 1
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
    output = subprocess.run(
        [args.python, args.odoo_bin, "shell", "-c", args.config, "-d", args.database, "--log-level=warn"],
        input=script, capture_output=True, text=True, timeout=1800)
    for line in output.stdout.splitlines():
        if line.startswith("ANALYTICS"):
            return ast.literal_eval(line[len("ANALYTICS "):])
    raise SystemExit(f"analytics failed:\n{output.stdout[-2000:]}\n{output.stderr[-3000:]}")


def main():
    parser = odoo_arguments(__doc__.split("\n")[0])
    parser.add_argument("--rates", default="5,10,20,30,40")
    parser.add_argument("--duration", type=float, default=20, help="seconds of load per rate")
    parser.add_argument("--analytics", type=int, default=0, help="rows for the analytics benchmark (0: skip)")
    parser.add_argument("--log", default="/dev/null")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    twilio = RecordingTwilio()
    threading.Thread(target=twilio.serve_forever, daemon=True).start()
    odoo = Odoo(args, free_port())
    odoo.start()
    try:
        odoo.login()
        configure(odoo, f"http://127.0.0.1:{twilio.server_port}")
        existing = [f"+1628200{n:04d}" for n in range(200)]
        odoo.rpc("res.partner", "create", [{"name": f"Customer {n}", "phone": number}
                                           for n, number in enumerate(existing)])
        numbers = iter(range(2000000, 9999999))
        texted = set()
        # Warm the workers up (first requests load the registry and caches).
        run_rate(odoo, twilio, 4, 5, rng, existing, numbers, texted)
        results = [run_rate(odoo, twilio, float(rate), args.duration, rng, existing, numbers, texted)
                   for rate in args.rates.split(",")]
        stuck = odoo.rpc("crm.call.log", "search_count", [
            "|", "&", ("textback_state", "=", "queued"), ("textback_sid", "=", False),
            "&", ("status", "=", "missed"), ("crm_synced", "=", False)])
        missed = odoo.rpc("crm.call.log", "search_count", [("status", "=", "missed")])
        skipped = odoo.rpc("crm.call.log", "search_count", [("textback_state", "=", "skipped")])
        logs = odoo.rpc("crm.call.log", "search_count", [])
        leads = odoo.rpc("crm.lead", "search_count", [("source_id.name", "=", "Missed Call")])
    finally:
        odoo.kill()
        twilio.shutdown()

    print("Benchmark: Odoo 18 with 2 workers, open-loop Poisson arrivals, recording Twilio stand-in")
    print(f"{'rate/s':>7} {'calls':>6} {'voice p50/p99':>18} {'dial_status p50/p99':>22} "
          f"{'time to text p50/p95/p99':>30} {'bare p50/p99':>18} {'ratio':>6} {'errors':>6} {'backlog':>7}")
    capacity = None
    for result in results:
        voice = result["endpoints"].get("voice", {})
        dial = result["endpoints"].get("dial_status", {})
        bare = result["endpoints"].get("bare route", {})
        ttt = result["time_to_text"]
        ratio = (dial["p50"] / bare["p50"]) if dial.get("p50") and bare.get("p50") else None
        ok = ttt["p99"] is not None and ttt["p99"] < TIME_TO_TEXT_TARGET and not result["backlog"] \
            and not result["errors"]
        if ok:
            capacity = result["rate"]
        print(f"{result['rate']:>7.0f} {result['calls']:>6} {ms(voice.get('p50')) + ' / ' + ms(voice.get('p99')):>18} "
              f"{ms(dial.get('p50')) + ' / ' + ms(dial.get('p99')):>22} "
              f"{' / '.join(ms(ttt[k]) for k in ('p50', 'p95', 'p99')):>30} "
              f"{ms(bare.get('p50')) + ' / ' + ms(bare.get('p99')):>18} "
              f"{(f'{ratio:.1f}x' if ratio else '-'):>6} {result['errors']:>6} {('yes' if result['backlog'] else 'no'):>7}")
    print(f"capacity (time to text p99 < 1 s, no backlog, no error): {capacity or 0:.0f} missed calls/s arriving")
    texts = len(twilio.texts)
    print(f"correctness: {logs} call logs, {missed} missed, {skipped} skipped (cool-down), "
          f"{texts} texts, {leads} missed-call leads, {stuck} left waiting")
    expected_texts = missed - skipped
    failed = stuck != 0 or texts != expected_texts
    print(f"  texts sent {texts} == missed {missed} - skipped {skipped}: {'ok' if texts == expected_texts else 'FAILED'}")
    if args.analytics:
        figures = analytics(args, args.analytics)
        print(f"analytics over {figures['call_logs']} call logs and {figures['leads']} leads (best of 3):")
        for name in ("heat_map", "by_line_rates", "kpis", "crm_lead_read_group"):
            print(f"  {name}: {figures[name] * 1000:.0f} ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
