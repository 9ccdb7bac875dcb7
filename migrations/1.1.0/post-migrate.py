"""1.1.0: a text-back waiting to be sent has its own state, "outgoing" (it was "queued"
without a message SID, the state Twilio's acceptance now has alone)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        UPDATE crm_call_log SET textback_state = 'outgoing'
         WHERE textback_state = 'queued' AND textback_sid IS NULL
    """)
