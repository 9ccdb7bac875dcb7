import logging

from odoo import api, fields, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from .crm_call_log import NOTIFICATION_FRESHNESS

_logger = logging.getLogger(__name__)


class CrmCallLogAlert(models.Model):
    """The 5-minute rule reaches a salesperson who is not looking at Odoo: each fresh
    missed call texts his phone (through the line, as an Odoo SMS), once, as the CRM
    update makes the call's lead. Who, how and when are the line's choice."""
    _inherit = "crm.call.log"

    alert_sms_uuid = fields.Char("Alert SMS", copy=False, readonly=True)

    def _prepare_alerts(self, leads, partners):
        """The alert texts of these missed calls ({log: lead}, {log: contact}), created with
        the CRM update (so once per call) and sent once it is committed."""
        if self.env.context.get("crm_missed_call_no_notification"):
            return
        fresh_after = fields.Datetime.now() - NOTIFICATION_FRESHNESS
        vals_list, logs = [], []
        # Odoo 19's Twilio SMS stamps an SMS with the company of whoever creates it (here, the cron's).
        stamp_company = self.env["res.company"]._sms_twilio_installed()
        for log in self:
            line = log.line_id
            if log.alert_sms_uuid or log.call_start < fresh_after or not line._alerts_by_sms(log.call_start):
                continue
            user = line.alert_user_id or line.user_id
            phone = user._missed_call_phone(line)
            if not phone:
                _logger.info("No alert for call %s: %s has no phone", log.call_sid, user.name)
                continue
            vals_list.append({"number": phone, "body": log.with_context(lang=user.lang)._alert_text(
                leads[log], partners[log], user), "missed_call_line_id": line.id, "missed_call_alert": True,
                **({"record_company_id": log.company_id.id} if stamp_company else {})})
            logs.append(log)
        alerts = self.env["sms.sms"].sudo().create(vals_list)
        for log, sms in zip(logs, alerts, strict=True):
            log.alert_sms_uuid = sms.uuid

    def _alert_text(self, lead, partner, user):
        """The alert's text for ``user``: with a link to the lead where he may open it."""
        self.ensure_one()
        if self.textback_state in ("outgoing", "queued", "sent", "delivered"):
            texted = self.env._("We texted them back.")
        else:
            texted = self.env._("No text-back went out.")
        caller = self.caller_display
        if partner and partner.name and partner.name != caller:
            caller = f"{partner.name} ({caller})"
        # As the web client opens the link: in whichever of his companies the lead is, whatever
        # companies the cron's own context allows.
        if not lead.with_user(user).with_context(allowed_company_ids=user.company_ids.ids).has_access("read"):
            return self.env._("Missed call from %(caller)s on %(line)s. %(texted)s Call back within 5 minutes.",
                              caller=caller, line=self.line_id.name, texted=texted)
        url = f"{lead.get_base_url()}/odoo/crm.lead/{lead.id}"
        # No f-string among the arguments: the translation extractor would evaluate it.
        return self.env._(
            "Missed call from %(caller)s on %(line)s. %(texted)s Call back within 5 minutes: %(url)s",
            caller=caller, line=self.line_id.name, texted=texted, url=url)

    @api.model
    def _send_alerts(self, auto_commit=True, companies=None):
        """Send the alert texts that wait (a crash between their creation and their send
        leaves them waiting: the next run sends them; one possibly sent is asked first),
        of the lines of ``companies`` only, when given."""
        scope = [] if companies is None else [("missed_call_line_id.company_id", "in", companies.ids)]
        alerts = self.env["sms.sms"].sudo().search(
            [("missed_call_alert", "=", True), ("state", "=", "outgoing"), *scope], limit=100, order="id")
        for sms in alerts:
            try:
                sms.with_context(missed_call_sms_commit=auto_commit)._send(unlink_failed=False, unlink_sent=True)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                if not auto_commit:
                    raise
                # Left for the next run, marked as possibly sent: Twilio is asked first.
                self.env.cr.rollback()
                _logger.info("Alert SMS %s left for the next run: concurrent update", sms.id)
                continue
            self._commit(auto_commit)
