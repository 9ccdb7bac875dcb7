"""What an upgrade from an earlier version of the add-on does to the data it finds, and what
its uninstall undoes."""
import importlib.util
from pathlib import Path
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import SQL, sql

from ..hooks import uninstall_hook
from ..models.res_partner import PHONE_SANITIZED_INDEX
from .common import MissedCallCommon

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def migration_module(version, stage):
    spec = importlib.util.spec_from_file_location(
        f"crm_missed_call_textback_{stage}_{version}", MIGRATIONS / version / f"{stage}-migrate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def migration(version, stage):
    return migration_module(version, stage).migrate


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

    def test_from_1_0_the_claims_on_odoo_phone_fields_go_and_the_fields_stay(self):
        fields_by_model = {
            model: self.env["ir.model.fields"]._get(model, "phone_sanitized") for model in ("res.partner", "res.users")}
        self.env["ir.model.data"].search([
            ("module", "=", "crm_missed_call_textback"), ("model", "=", "ir.model.fields"),
            ("res_id", "in", [field.id for field in fields_by_model.values()])]).unlink()
        # As 1.0's redeclared field made them.
        self.env["ir.model.data"].create([{
            "module": "crm_missed_call_textback", "name": f"field_{model.replace('.', '_')}__phone_sanitized",
            "model": "ir.model.fields", "res_id": field.id} for model, field in fields_by_model.items()])
        others = self.env["ir.model.data"].search([
            ("module", "!=", "crm_missed_call_textback"), ("model", "=", "ir.model.fields"),
            ("res_id", "in", [field.id for field in fields_by_model.values()])])
        migration("1.1.2", "pre")(self.env.cr, "18.0.1.1.1")
        self.env.invalidate_all()
        self.assertFalse(self.env["ir.model.data"].search_count([
            ("module", "=", "crm_missed_call_textback"), ("model", "=", "ir.model.fields"),
            ("res_id", "in", [field.id for field in fields_by_model.values()])]))
        self.assertTrue(all(field.exists() for field in fields_by_model.values()))
        self.assertEqual(others.exists(), others, "Odoo's own modules keep their claims")

    def test_from_1_0_the_early_status_table_goes(self):
        # As 1.0 left it: crm.textback.early.status's table, with a row and its foreign key.
        self.env.cr.execute("""
            CREATE TABLE IF NOT EXISTS crm_textback_early_status (
                id serial PRIMARY KEY, message_sid varchar, status varchar, error_code varchar,
                company_id integer REFERENCES res_company(id) ON DELETE CASCADE);
            INSERT INTO crm_textback_early_status (message_sid, status, company_id) VALUES ('SM1', 'sent', %s);
        """, [self.company.id])
        migration("1.1.2", "post")(self.env.cr, "18.0.1.1.1")
        self.assertFalse(sql.table_exists(self.env.cr, "crm_textback_early_status"))

    def test_from_1_0_the_contact_index_becomes_the_add_on_own_and_is_never_doubled(self):
        old = "res_partner__phone_sanitized_index"
        for ours_made_too in (False, True):
            with self.subTest(ours_made_too=ours_made_too):
                # As 1.0's redeclared field made it, under Odoo's name for it.
                sql.drop_index(self.env.cr, old, "res_partner")
                self.env.cr.execute(SQL("ALTER INDEX %s RENAME TO %s", SQL.identifier(PHONE_SANITIZED_INDEX),
                                        SQL.identifier(old)))
                if ours_made_too:
                    self.env["res.partner"].init()
                migration("1.1.2", "pre")(self.env.cr, "18.0.1.1.1")
                self.assertFalse(sql.index_exists(self.env.cr, old))
                self.assertTrue(sql.index_exists(self.env.cr, PHONE_SANITIZED_INDEX))
                self.assertEqual(PHONE_SANITIZED_INDEX, migration_module("1.1.2", "pre").INDEX)

    def test_a_new_install_runs_no_migration(self):
        for version, stage in (("1.1.0", "post"), ("1.1.2", "pre"), ("1.1.2", "post")):
            with self.subTest(version=version, stage=stage), patch.object(type(self.env.cr), "execute") as execute:
                migration(version, stage)(self.env.cr, None)
                execute.assert_not_called()


@tagged("post_install", "-at_install")
class TestUninstall(MissedCallCommon):
    """What uninstalling the add-on must undo besides Odoo's own removal (checked whole,
    against the database before the install, by scripts/test-odoo-runner)."""

    def test_the_contact_phone_index_is_the_add_on_own_and_goes_with_it(self):
        self.assertTrue(sql.index_exists(self.env.cr, PHONE_SANITIZED_INDEX))
        field = self.env["ir.model.fields"]._get("res.users", "phone_sanitized")
        self.assertFalse(self.env["ir.model.data"].search_count([
            ("module", "=", "crm_missed_call_textback"), ("model", "=", "ir.model.fields"), ("res_id", "=", field.id)]),
            "the add-on owns none of Odoo's fields")
        self.new_call()
        uninstall_hook(self.env)
        self.assertFalse(sql.index_exists(self.env.cr, PHONE_SANITIZED_INDEX))
        self.env.cr.execute("SELECT count(*) FROM crm_call_log")
        self.assertEqual(self.env.cr.fetchone()[0], 0, "no call keeps its line from being removed")

    def test_demo_data_made_through_the_crm_belongs_to_the_add_on(self):
        CallLog = self.CallLog.with_context(tracking_disable=True)
        log = CallLog._generate_demo_follow_up(self.line.id)
        xmlids = {record: record.get_external_id()[record.id]
                  for record in (log.lead_id, log.partner_id, log.voicemail_attachment_id)}
        for record, xmlid in xmlids.items():
            with self.subTest(model=record._name):
                self.assertTrue(xmlid.startswith("crm_missed_call_textback.demo_follow_up_"), xmlid)
        self.assertFalse(self.company.get_external_id()[self.company.id], "nothing made before is claimed")
