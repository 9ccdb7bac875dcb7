from datetime import timedelta

from odoo import api, fields, models

# Statuses of messages nobody claims after this long were not ours.
EARLY_STATUS_TTL = timedelta(days=2)


class CrmTextbackEarlyStatus(models.Model):
    """A text's status callback that arrived before the send that created the text
    returned (so its SID was not known yet). Applied as soon as the SID is."""
    _name = "crm.textback.early.status"
    _description = "Early Text-Back Status"
    _order = "id"

    message_sid = fields.Char(required=True, index=True)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    status = fields.Char(required=True)
    error_code = fields.Char()

    @api.model
    def _keep(self, companies, message_sid, status, error_code):
        self.create([{"message_sid": message_sid, "company_id": company.id, "status": status,
                      "error_code": error_code} for company in companies])

    @api.model
    def _apply(self, call_logs):
        """Apply the kept statuses of ``call_logs``' texts, in the order they came."""
        early = self.search([("message_sid", "in", call_logs.mapped("textback_sid"))])
        for status in early:
            logs = call_logs.filtered(
                lambda log, status=status: log.textback_sid == status.message_sid
                and log.company_id == status.company_id)
            logs._apply_message_status(status.status, status.error_code)
        early.unlink()

    @api.model
    def _apply_all(self):
        """Apply what the send path could not see yet (both committed at the same time);
        forget what nobody claimed."""
        early = self.search([], limit=1000)
        logs = self.env["crm.call.log"].search([("textback_sid", "in", early.mapped("message_sid"))])
        self._apply(logs)
        self.search([("create_date", "<", fields.Datetime.now() - EARLY_STATUS_TTL)]).unlink()
