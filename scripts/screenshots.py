"""Screenshots for the README and the Apps page, taken by headless Chromium from
a running Odoo with the demo data (scripts/screenshots starts both).

Drives Chromium over the DevTools protocol: logs in as admin, opens each page,
waits until what it shows is on screen, and saves a PNG.

    python screenshots.py --url http://127.0.0.1:8069 --database mctb_screenshots --out static/description/screenshots
"""
import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

import requests
import websocket

WINDOW = (1600, 1000)


class Browser:
    """One headless Chromium tab, spoken to over the DevTools protocol."""

    def __init__(self, executable):
        self.profile = tempfile.mkdtemp(prefix="mctb-chromium-")
        self.process = subprocess.Popen([
            executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}", "--force-device-scale-factor=1", "about:blank",
        ], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = self._devtools_port()
        targets = requests.get(f"http://127.0.0.1:{port}/json", timeout=10).json()
        page = next(target for target in targets if target["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=WINDOW[0], height=WINDOW[1],
                  deviceScaleFactor=1, mobile=False)

    def resize(self, width, height):
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def _devtools_port(self):
        """Chromium prints the port it chose: 'DevTools listening on ws://127.0.0.1:PORT/…'."""
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.process.stderr.readline()
            if "DevTools listening on" in line:
                return int(line.split("127.0.0.1:")[1].split("/")[0])
            if self.process.poll() is not None:
                break
        raise SystemExit("Chromium did not start")

    def send(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, url, ready_selector, timeout=60):
        """Go to ``url`` and wait until ``ready_selector`` is shown and the page is quiet."""
        self.send("Page.navigate", url=url)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(f"!!document.querySelector({json.dumps(ready_selector)})"):
                time.sleep(1.5)                  # fonts, charts and the last RPCs settle
                return
            time.sleep(0.3)
        raise SystemExit(f"{url}: {ready_selector} did not appear within {timeout} s")

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))
        print(f"saved {path}")

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("google-chrome"))
    args = parser.parse_args()
    if not args.chromium:
        raise SystemExit("Chromium is missing: apt-get install chromium (or pass --chromium)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    rpc = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/object", allow_none=True)
    uid = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/common").authenticate(args.database, "admin", "admin", {})
    if not uid:
        raise SystemExit("cannot log in as admin/admin: is this a demo database?")

    def call(model, method, *rpc_args, **kwargs):
        return rpc.execute_kw(args.database, uid, "admin", model, method, list(rpc_args), kwargs)

    texted = call("crm.call.log", "search_read", [("lead_id", "!=", False), ("textback_state", "=", "delivered")],
                  ["lead_id"], limit=1, order="call_start desc")
    template = call("crm.textback.template", "search", [("kind", "=", "in_hours")], limit=1)
    followed_up = call("crm.call.log", "search_read",
                       [("voicemail_state", "=", "stored"), ("callback_ids", "!=", False)],
                       ["lead_id", "line_id"], limit=1)
    if not texted or not template or not followed_up:
        raise SystemExit("the database has no texted missed call, no template or no follow-up: load the demo data")

    browser = Browser(args.chromium)
    try:
        browser.open(f"{args.url}/web/login?db={args.database}", "input[name=login]")
        browser.evaluate("""
            document.querySelector("input[name=login]").value = "admin";
            document.querySelector("input[name=password]").value = "admin";
            document.querySelector("form.oe_login_form").submit();
        """)
        time.sleep(3)
        action = "crm_missed_call_textback"
        pages = [
            ("call-log.png", f"/odoo/action-{action}.crm_call_log_action", ".o_list_renderer .o_data_row"),
            ("missed-call.png", f"/odoo/action-{action}.crm_call_log_action/{texted[0]['id']}",
             ".o_form_view .o_field_widget[name='textback_body']"),
            ("lead-with-text-back.png", f"/odoo/crm.lead/{texted[0]['lead_id'][0]}",
             ".o-mail-Chatter .o-mail-Message-body"),
            ("dashboard.png", f"/odoo/action-{action}.crm_missed_call_dashboard_action",
             ".o_missed_call_dashboard .o_missed_call_trend_bar"),
            ("heat-map.png", f"/odoo/action-{action}.crm_missed_call_heat_map_action",
             ".o_missed_call_heat_map .o_missed_call_heat_cell_calls"),
            ("template-editor.png", f"/odoo/action-{action}.crm_textback_template_action/{template[0]}",
             ".o_form_view .o_field_widget[name='preview']"),
            ("follow-up.png", f"/odoo/crm.lead/{followed_up[0]['lead_id'][0]}",
             ".o-mail-Chatter .o-mail-VoicePlayer", 1400),
            ("line-settings.png", f"/odoo/action-{action}.crm_phone_line_action/{followed_up[0]['line_id'][0]}",
             ".o_form_view .o_field_widget[name='sms_status_webhook_url']", 1600),
        ]
        for filename, path, ready, *height in pages:
            browser.resize(WINDOW[0], height[0] if height else WINDOW[1])
            browser.open(f"{args.url}{path}", ready)
            browser.screenshot(out / filename)
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
