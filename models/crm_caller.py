from odoo import api, fields, models


class CrmCaller(models.Model):
    """A number that called a company. Its row serializes the CRM updates of that
    number: two missed calls from a new number handled at the same moment give one
    contact and one lead."""
    _name = "crm.caller"
    _description = "Caller"
    _rec_name = "number"

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", index=True)
    number = fields.Char(required=True)
    last_call_at = fields.Datetime(required=True)

    _sql_constraints = [
        ("company_number_uniq", "unique(company_id, number)", "One caller per number and company."),
    ]

    @api.model
    def _lock(self, company, number, when):
        """Lock ``number`` of ``company`` until the end of the transaction.

        A transaction that finds the row locked waits; when the holder commits, the
        waiter fails with a serialization error and Odoo retries its request, which
        then sees the contact and lead the holder created."""
        self.env.cr.execute("""
            INSERT INTO crm_caller (company_id, number, last_call_at, create_uid, write_uid, create_date, write_date)
            VALUES (%(company)s, %(number)s, %(when)s, %(uid)s, %(uid)s, %(now)s, %(now)s)
            ON CONFLICT (company_id, number) DO UPDATE
               SET last_call_at = GREATEST(crm_caller.last_call_at, EXCLUDED.last_call_at),
                   write_uid = EXCLUDED.write_uid,
                   write_date = EXCLUDED.write_date
        """, {
            "company": company.id, "number": number, "when": when,
            "uid": self.env.uid, "now": fields.Datetime.now(),
        })
        self.invalidate_model()
