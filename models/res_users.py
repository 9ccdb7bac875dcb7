from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    missed_call_phone = fields.Char(
        "Phone for Call-Backs and Alerts",
        help="The phone Twilio rings first when you call a caller back from Odoo, and the one that gets "
             "missed-call alerts by text. Empty: the Forward To phone of the line.")

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["missed_call_phone"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["missed_call_phone"]

    def _missed_call_phone(self, line):
        """This user's phone in E.164, for a call-back or an alert through ``line``."""
        self.ensure_one()
        number = self.sudo().missed_call_phone or line.forward_to
        return number and line._phone_format(number=number, country=line.company_id.country_id,
                                             force_format="E164") or False
