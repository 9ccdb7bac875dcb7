from odoo import api, models


class PhoneBlacklist(models.Model):
    _inherit = "phone.blacklist"

    @api.model
    def _missed_call_opted_out(self, number):
        """Whether the E.164 ``number`` is on the (active) blacklist: one lookup on its
        unique index. The blacklist keeps numbers in E.164; searching its ``number`` field
        would format the number again for the current user's country, on every text."""
        self.flush_model(["number", "active"])
        self.env.cr.execute("SELECT 1 FROM phone_blacklist WHERE number = %s AND active LIMIT 1", [number])
        return bool(self.env.cr.fetchone())
