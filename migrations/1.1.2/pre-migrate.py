"""1.1.2: the add-on no longer redeclares Odoo's ``res.partner.phone_sanitized`` (only to
index it): its claims on that field and on the ``res.users`` field inherited from it go,
before Odoo would remove what they name (the ``res.users`` field's record, which only
the add-on's claim named). The fields, owned by Odoo's modules, stay as they are."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        DELETE FROM ir_model_data
         WHERE module = 'crm_missed_call_textback' AND model = 'ir.model.fields'
           AND name IN ('field_res_partner__phone_sanitized', 'field_res_users__phone_sanitized')
    """)
