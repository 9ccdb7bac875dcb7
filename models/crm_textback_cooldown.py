from datetime import timedelta

from odoo import api, fields, models

from ..tools.odoo_compat import Constraint


class CrmTextbackCooldown(models.Model):
    """When a line last texted a number: one text-back per caller per line within
    the line's cool-down, also when two missed calls are handled at once."""
    _name = "crm.textback.cooldown"
    _description = "Text-Back Cool-Down"
    _rec_name = "number"

    line_id = fields.Many2one("crm.phone.line", required=True, ondelete="cascade", index=True)
    number = fields.Char(required=True)
    last_textback_at = fields.Datetime(required=True)

    _line_number_uniq = Constraint("unique(line_id, number)", "One cool-down per number and line.")

    @api.model
    def _claim(self, line, number, when):
        """Take the right to text ``number`` from ``line`` for a call at ``when``; False
        when the line texted it less than the cool-down before.

        One statement claims or refuses. Two transactions claiming the same number at
        once serialize on its row: the second fails with a serialization error, Odoo
        retries its request, and the retry sees the first claim."""
        hours = line.textback_cooldown_hours
        if hours <= 0:
            return True
        self.env.cr.execute("""
            INSERT INTO crm_textback_cooldown
                   (line_id, number, last_textback_at, create_uid, write_uid, create_date, write_date)
            VALUES (%(line)s, %(number)s, %(when)s, %(uid)s, %(uid)s, %(now)s, %(now)s)
            ON CONFLICT (line_id, number) DO UPDATE
               SET last_textback_at = EXCLUDED.last_textback_at,
                   write_uid = EXCLUDED.write_uid,
                   write_date = EXCLUDED.write_date
             WHERE crm_textback_cooldown.last_textback_at <= %(window_start)s
         RETURNING id
        """, {
            "line": line.id,
            "number": number,
            "when": when,
            "window_start": when - timedelta(hours=hours),
            "uid": self.env.uid,
            "now": fields.Datetime.now(),
        }, log_exceptions=False)  # a serialization failure here is the claim working: retried
        claimed = bool(self.env.cr.fetchone())
        self.invalidate_model()
        return claimed
