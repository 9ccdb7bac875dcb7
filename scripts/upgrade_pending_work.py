"""Work a real database holds when it is upgraded, made through the add-on's own
Twilio entry points (the ones the webhooks call, unchanged since 1.0), for
``odoo-bin shell``:

    MCTB_PENDING_WORK=make|report|process odoo-bin shell -d DB < scripts/upgrade_pending_work.py

On the demo line of the main company, with Twilio unreachable (connection
refused), so that the texts wait for their retry:
- a call still ringing (its dial status never came);
- two missed calls, their text-backs waiting for a retry and their CRM update
  not done (no cron runs here);
- a STOP from one caller, a reply from another.
``report`` makes nothing; ``process`` runs the add-on's crons once (the CRM update,
the retries: Twilio still refuses). Each prints the state of that work as one JSON
line (``pending-work: {...}``), read by scripts/test-upgrade.
"""
import json
import os

# ruff: noqa: F821
# pylint: disable=undefined-variable  (env is the shell's)
ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "7" * 32
RINGING, MISSED, STOP, REPLY = "+12125550141", ("+12125550142", "+12125550143"), "+12125550144", "+12125550145"

MODE = os.environ.get("MCTB_PENDING_WORK", "report")
company = env.ref("base.main_company")
line = env.ref("crm_missed_call_textback.demo_phone_line_main")
CallLog = env["crm.call.log"].sudo()
Reply = env["crm.textback.reply"].sudo()


def call(n, caller):
    return {"CallSid": f"CA{0xFEED0000 + n:032x}", "AccountSid": ACCOUNT_SID, "From": caller, "To": line.number}


def make():
    company.write({"twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": AUTH_TOKEN})
    # Nothing listens on port 9 here: every request to Twilio is refused, a transient failure.
    env["ir.config_parameter"].sudo().set_param("crm_missed_call_textback.twilio_api_base_url", "http://127.0.0.1:9")
    CallLog._twilio_incoming_call(company, call(1, RINGING))
    for n, caller in enumerate(MISSED, start=2):
        CallLog._twilio_incoming_call(company, call(n, caller))
        CallLog._twilio_dial_status(
            company, {**call(n, caller), "DialCallStatus": "no-answer", "DialCallDuration": "0"}, auto_commit=True)
    for n, (caller, body) in enumerate(((STOP, "STOP"), (REPLY, "Yes please call me back")), start=1):
        Reply._twilio_incoming_sms(company, {"MessageSid": f"SM{0xFEED0000 + n:032x}", "AccountSid": ACCOUNT_SID,
                                             "From": caller, "To": line.number, "Body": body})


if MODE == "make":
    make()
elif MODE == "process":
    CallLog._cron_crm_sync()
    CallLog._cron_textback_retry()
env.cr.commit()

logs = CallLog.search([("call_sid", "in", [call(n, "")["CallSid"] for n in range(1, 4)])])
print("pending-work: " + json.dumps({
    "ringing": logs.filtered(lambda log: log.status == "ringing").mapped("call_sid"),
    "texts_waiting": logs.filtered(lambda log: log.status == "missed" and not log.textback_sid
                                   and log.textback_state in ("queued", "outgoing")).mapped("call_sid"),
    "crm_waiting": logs.filtered(lambda log: log.status == "missed" and not log.crm_synced).mapped("call_sid"),
    "leads": len(logs.lead_id),
    "opted_out": bool(env["phone.blacklist"].sudo().search_count([("number", "=", STOP)])),
    "reply": bool(Reply.search_count([("from_number", "=", REPLY)])),
}))
