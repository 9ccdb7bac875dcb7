"""What Odoo's uninstall does not undo by itself."""
from odoo.tools import sql

from .models.res_partner import PHONE_SANITIZED_INDEX


def uninstall_hook(env):
    """Before Odoo removes the add-on's records and tables: its own index on contacts
    goes (Odoo drops only the indexes of its fields), and the calls go first, since a
    call keeps its line from being deleted (``ondelete="restrict"``) and Odoo deletes
    the add-on's lines (its demo line) record by record before it drops the tables."""
    sql.drop_index(env.cr, PHONE_SANITIZED_INDEX, "res_partner")
    env.cr.execute("DELETE FROM crm_call_log")
