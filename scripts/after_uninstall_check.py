"""After the add-on is uninstalled, Odoo's CRM works as before, for ``odoo-bin shell``:

    odoo-bin shell -d DB < scripts/after_uninstall_check.py

Opens the views the add-on extended (leads, contacts, users' preferences, settings,
digests), makes a lead and a contact with a phone number as a salesperson would, reads
them back, and rolls everything back. Prints ``after-uninstall: ok`` or raises.
"""
# ruff: noqa: F821
# pylint: disable=undefined-variable  (env is the shell's)
assert not env["ir.module.module"].search_count(
    [("name", "=", "crm_missed_call_textback"), ("state", "!=", "uninstalled")]), "the add-on is still installed"
for model in ("crm.lead", "res.partner", "res.users", "res.config.settings", "digest.digest", "sms.sms"):
    env[model].get_views([(False, "form"), (False, "list"), (False, "search")])
env["res.users"].browse(env.uid).read(env["res.users"].SELF_READABLE_FIELDS)
partner = env["res.partner"].create({"name": "Dana after uninstall", "phone": "+1 415-555-0177"})
lead = env["crm.lead"].create({"name": "A lead after uninstall", "partner_id": partner.id, "phone": partner.phone})
env.flush_all()
assert lead.phone_sanitized == "+14155550177" and partner.phone_sanitized == "+14155550177"
assert env["crm.lead"].search([("phone_sanitized", "=", "+14155550177")]) == lead
lead.action_set_won()
env["res.config.settings"].create({}).execute()
env.cr.rollback()
print("after-uninstall: ok")
