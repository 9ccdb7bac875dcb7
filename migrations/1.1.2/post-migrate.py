"""1.1.2: what earlier versions left in the database:
- the table of ``crm.textback.early.status`` (gone in 1.1.0: status callbacks name their
  call log), with its rows, indexes and foreign keys: Odoo forgets a removed model but
  keeps its table;
- the index on contacts' sanitized phone, made by 1.0's redeclared field under Odoo's
  name for it: renamed as the add-on's own index, which its uninstall drops."""
from odoo.tools import SQL, sql

from odoo.addons.crm_missed_call_textback.models.res_partner import PHONE_SANITIZED_INDEX


def migrate(cr, version):
    if not version:
        return
    cr.execute("DROP TABLE IF EXISTS crm_textback_early_status CASCADE")
    if sql.index_exists(cr, "res_partner__phone_sanitized_index") and not sql.index_exists(cr, PHONE_SANITIZED_INDEX):
        cr.execute(SQL("ALTER INDEX res_partner__phone_sanitized_index RENAME TO %s",
                       SQL.identifier(PHONE_SANITIZED_INDEX)))
