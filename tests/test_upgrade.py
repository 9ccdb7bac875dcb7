"""What an upgrade from an earlier version of the add-on does to the data it finds."""
import importlib.util
from pathlib import Path

from odoo.tests import tagged

from .common import MissedCallCommon

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def migration(version, stage):
    spec = importlib.util.spec_from_file_location(
        f"crm_missed_call_textback_{stage}_{version}", MIGRATIONS / version / f"{stage}-migrate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrate


@tagged("post_install", "-at_install")
class TestUpgrade(MissedCallCommon):

    def test_from_1_0_a_text_back_waiting_to_be_sent_becomes_outgoing_and_an_accepted_one_stays(self):
        waiting, accepted = self.new_call(1), self.new_call(2, caller="+14155550142")
        (waiting | accepted).write({"status": "missed", "missed_reason": "no-answer"})
        self.env.flush_all()
        # As 1.0 left them: "queued" meant both "ours to send" and "accepted by Twilio".
        self.env.cr.execute("UPDATE crm_call_log SET textback_state = 'queued', textback_sid = NULL WHERE id = %s",
                            [waiting.id])
        self.env.cr.execute("UPDATE crm_call_log SET textback_state = 'queued', textback_sid = 'SM1' WHERE id = %s",
                            [accepted.id])
        migration("1.1.0", "post")(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertEqual((waiting.textback_state, accepted.textback_state), ("outgoing", "queued"))
