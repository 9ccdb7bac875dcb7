"""1.1.2: the table of ``crm.textback.early.status`` (gone in 1.1.0: status callbacks
name their call log), with its rows, indexes and foreign keys, left by earlier
versions: Odoo forgets a removed model but keeps its table."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("DROP TABLE IF EXISTS crm_textback_early_status CASCADE")
