import logging
from datetime import timedelta

from odoo import api, fields, models

from ..tools import twilio_api
from ..tools.odoo_compat import Constraint

_logger = logging.getLogger(__name__)

# Line types that cannot receive a text.
NO_SMS_LINE_TYPES = frozenset({"landline"})
# A number keeps its line type for months; ported numbers change it now and then.
LOOKUP_TTL = timedelta(days=90)


class CrmPhoneLookup(models.Model):
    """Line types from Twilio Lookup, cached per number: each lookup costs money."""
    _name = "crm.phone.lookup"
    _description = "Phone Line Type Lookup"
    _rec_name = "number"

    number = fields.Char(required=True)
    line_type = fields.Char(help="As Twilio Lookup v2 says: mobile, landline, fixedVoip, nonFixedVoip, tollFree…")
    checked_at = fields.Datetime(required=True)

    _number_uniq = Constraint("unique(number)", "One lookup per number.")

    @api.model
    def _can_receive_texts(self, company, number):
        """False when Twilio Lookup says ``number`` is a landline. Without an answer
        (Lookup down, unknown type), assume it can: a text lost is worse than a text wasted."""
        cached = self.search([("number", "=", number), ("checked_at", ">=", fields.Datetime.now() - LOOKUP_TTL)],
                             limit=1)
        if not cached:
            try:
                line_type = company._twilio_api().lookup_line_type(number)
            except twilio_api.TwilioError as error:
                _logger.warning("Line type lookup of %s failed, texting anyway: %s", number, error)
                return True
            cached = self.search([("number", "=", number)], limit=1)
            values = {"number": number, "line_type": line_type, "checked_at": fields.Datetime.now()}
            if cached:
                cached.write(values)
            else:
                cached = self.create(values)
        return cached.line_type not in NO_SMS_LINE_TYPES
