"""What differs between the Odoo series this add-on supports (18.0 and 19.0),
written once. The rest of the add-on, and its tests, use these names and never
test the version themselves."""
from odoo import models, release

ODOO_MAJOR = release.version_info[0]

# --- SQL constraints -----------------------------------------------------------
# 19 declares a table constraint as a class attribute ``_name = models.Constraint(…)``
# and ignores ``_sql_constraints`` (with a warning); 18 knows only ``_sql_constraints``.
# Both make the database constraint ``<table>_<name>``, so a database upgraded from
# 18 to 19 keeps its constraints.
if hasattr(models, "Constraint"):
    Constraint = models.Constraint
else:
    class Constraint:
        """Odoo 18: ``_name = Constraint(definition, message)`` in a model's class body
        becomes the entry ``(name, definition, message)`` of its ``_sql_constraints``."""

        def __init__(self, definition, message=""):
            self.definition = definition
            self.message = message

        def __set_name__(self, owner, name):
            assert name.startswith("_"), "Names of SQL constraints in a model must start with '_'"
            if "_sql_constraints" not in owner.__dict__:
                owner._sql_constraints = []
            owner._sql_constraints.append((name[1:], self.definition, self.message))


# --- Renamed fields --------------------------------------------------------------
# res.users.groups_id became group_ids, res.groups.users became user_ids in 19.
USER_GROUPS_FIELD = "group_ids" if ODOO_MAJOR >= 19 else "groups_id"
GROUP_USERS_FIELD = "user_ids" if ODOO_MAJOR >= 19 else "users"


# --- Cron progress ---------------------------------------------------------------
# 19 replaced ir.cron._notify_progress (deprecated, with a warning) by _commit_progress,
# which adds to the count done and commits; 18 has _notify_progress alone.
def commit_progress(env, processed, remaining, commit=True):
    """Tell the cron scheduler that ``processed`` items were done and ``remaining`` wait
    (it runs the cron again at once while some do), and commit when ``commit``."""
    Cron = env["ir.cron"]
    if hasattr(Cron, "_commit_progress"):
        if commit:
            Cron._commit_progress(processed, remaining=remaining)
            return
        # What _commit_progress records, without its commit (a test's transaction).
        progress = env["ir.cron.progress"].sudo().browse(env.context.get("ir_cron_progress_id"))
        if progress:
            progress.write({"done": progress.done + processed, "remaining": remaining})
        return
    Cron._notify_progress(done=processed, remaining=remaining)
    if commit:
        env.cr.commit()  # pylint: disable=invalid-commit
