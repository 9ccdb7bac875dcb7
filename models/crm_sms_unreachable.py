from odoo import api, fields, models

from ..tools.odoo_compat import Constraint

# Twilio errors that say a number will never receive a text (landline, not a mobile number).
UNREACHABLE_ERROR_CODES = frozenset({"30006", "21614"})
# Twilio errors that say the recipient opted out (replied STOP to the number).
OPTED_OUT_ERROR_CODES = frozenset({"21610"})

TWILIO_ERRORS = {
    "21211": "invalid 'To' phone number",
    "21408": "texts to this region are not enabled on the Twilio account",
    "21610": "the recipient replied STOP and opted out",
    "21614": "not a mobile number",
    "30003": "unreachable handset (switched off or out of coverage)",
    "30004": "message blocked by the recipient",
    "30005": "unknown or inactive number",
    "30006": "landline or unreachable carrier",
    "30007": "filtered by the carrier as spam",
    "30008": "unknown delivery error",
    "30034": "US number not registered for A2P 10DLC: send through a Messaging Service with an approved campaign",
}


class CrmSmsUnreachable(models.Model):
    """Numbers that cannot receive texts, as Twilio told us: never texted again."""
    _name = "crm.sms.unreachable"
    _description = "Number That Cannot Receive Texts"
    _rec_name = "number"
    _order = "create_date desc"

    number = fields.Char(required=True, index=True)
    error_code = fields.Char("Twilio Error")
    reason = fields.Char()

    _number_uniq = Constraint("unique(number)", "This number is already known as unreachable.")

    @api.model
    def _describe_error(self, code):
        if not code:
            return self.env._("Not delivered")
        description = TWILIO_ERRORS.get(str(code))
        return self.env._("Twilio error %(code)s: %(description)s", code=code, description=description) if description \
            else self.env._("Twilio error %s", code)

    @api.model
    def _remember(self, number, code):
        """Record what an error code says about ``number``: unreachable, or opted out."""
        code = str(code or "")
        if not number or not number.startswith("+"):
            return
        if code in OPTED_OUT_ERROR_CODES:
            self.env["phone.blacklist"].sudo()._add([number], message=self._describe_error(code))
        elif code in UNREACHABLE_ERROR_CODES and not self.search_count([("number", "=", number)], limit=1):
            self.sudo().create({"number": number, "error_code": code, "reason": self._describe_error(code)})
