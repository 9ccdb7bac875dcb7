"""1.1.2: the add-on no longer redeclares Odoo's ``res.partner.phone_sanitized`` (only to
index it), before the add-on's models are set up:
- its claims on that field and on the ``res.users`` field inherited from it go, before
  Odoo would remove what they name (the ``res.users`` field's record, which only the
  add-on's claim named); the fields, owned by Odoo's modules, stay as they are;
- the index that field made under Odoo's name for it becomes the add-on's own, which
  ``res.partner.init()`` would otherwise make a second time, and its uninstall drops."""
from odoo.tools import SQL, sql

OLD_INDEX = "res_partner__phone_sanitized_index"
# As models/res_partner.py names it (not imported: a migration runs before the new code is set up).
INDEX = "res_partner_missed_call_phone_sanitized_index"


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        DELETE FROM ir_model_data
         WHERE module = 'crm_missed_call_textback' AND model = 'ir.model.fields'
           AND name IN ('field_res_partner__phone_sanitized', 'field_res_users__phone_sanitized')
    """)
    if sql.index_exists(cr, OLD_INDEX):
        if sql.index_exists(cr, INDEX):
            sql.drop_index(cr, OLD_INDEX, "res_partner")
        else:
            cr.execute(SQL("ALTER INDEX %s RENAME TO %s", SQL.identifier(OLD_INDEX), SQL.identifier(INDEX)))
