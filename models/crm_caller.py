from odoo import api, fields, models

from ..tools.odoo_compat import Constraint


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

    _company_number_uniq = Constraint("unique(company_id, number)", "One caller per number and company.")

    @api.model
    def _lock(self, companies, calls):
        """Lock the numbers in ``calls`` ({number: time of the call}) of each of
        ``companies`` until the end of the transaction, in one statement, in the order of
        the companies and numbers (two transactions locking overlapping numbers never wait
        for each other in a circle).

        A transaction that finds a row locked waits; when the holder commits, the
        waiter fails with a serialization error and is retried, and then sees the
        contacts and leads the holder created."""
        if not calls:
            return
        now, uid = fields.Datetime.now(), self.env.uid
        rows = [(company.id, number, when, uid, uid, now, now)
                for company in companies.sorted("id") for number, when in sorted(calls.items())]
        self.env.cr.execute(f"""
            INSERT INTO crm_caller (company_id, number, last_call_at, create_uid, write_uid, create_date, write_date)
            VALUES {", ".join(["%s"] * len(rows))}
            ON CONFLICT (company_id, number) DO UPDATE
               SET last_call_at = GREATEST(crm_caller.last_call_at, EXCLUDED.last_call_at),
                   write_uid = EXCLUDED.write_uid,
                   write_date = EXCLUDED.write_date
        """, rows, log_exceptions=False)  # a serialization failure here is the lock working: retried
        self.invalidate_model()
