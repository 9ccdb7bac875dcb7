#!/usr/bin/env python3
"""What an Odoo database holds, to compare it before and after an install, an
upgrade or an uninstall of the add-on:

    db_snapshot.py take DB FILE          write the snapshot of DB to FILE (JSON)
    db_snapshot.py compare BEFORE AFTER [--only KEY ...] [--ignore-rows TABLE ...]
                                         print what differs; exit 1 if anything does

A snapshot holds the schema (tables, columns with their types, indexes,
constraints), Odoo's registry of it (ir_model, ir_model_fields, ir_model_data) and
the number of rows of the business tables the add-on writes to (and of its own
tables). Generated asset bundles (attachments under /web/assets/) are left out:
Odoo makes them again whenever the assets change.
"""
import argparse
import json
import sys

import psycopg2

# Tables whose rows the add-on creates, directly or through Odoo (its demo data too).
BUSINESS_TABLES = (
    "res_partner", "crm_lead", "crm_tag", "crm_tag_rel", "mail_activity", "mail_message", "mail_followers",
    "mail_notification", "ir_attachment", "sms_sms", "phone_blacklist", "utm_source", "utm_medium",
    "resource_calendar", "resource_calendar_attendance", "resource_calendar_leaves", "res_users", "digest_digest",
    "ir_cron", "ir_config_parameter",
)
# Not counted: ir_cron_trigger, the wake-ups Odoo's scheduler consumes (a lead created
# wakes CRM's lead enrichment cron, say, whether or not that lead still exists when it runs).
OWN_TABLE_PREFIXES = ("crm_call_", "crm_phone_", "crm_textback_", "crm_caller", "crm_sms_", "crm_missed_")


def rows_query(table):
    if table == "ir_attachment":
        return "SELECT count(*) FROM ir_attachment WHERE url IS NULL OR url NOT LIKE '/web/assets/%'"
    return f'SELECT count(*) FROM "{table}"'  # table names come from the catalog, never from input


def take(dbname):
    with psycopg2.connect(dbname=dbname) as conn, conn.cursor() as cr:
        def column(query):
            cr.execute(query)
            return sorted(str(row[0]) for row in cr.fetchall())

        tables = column("SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
        snapshot = {
            "tables": tables,
            "columns": column("SELECT table_name || '.' || column_name || ' ' || data_type "
                              "FROM information_schema.columns WHERE table_schema = 'public'"),
            "indexes": column("SELECT tablename || '.' || indexname FROM pg_indexes WHERE schemaname = 'public'"),
            "constraints": column("SELECT conrelid::regclass || '.' || conname FROM pg_constraint "
                                  "WHERE connamespace = 'public'::regnamespace"),
            "ir_model": column("SELECT model FROM ir_model"),
            "ir_model_fields": column("SELECT model || '.' || name FROM ir_model_fields"),
            "ir_model_data": column("SELECT module || '.' || name || ' ' || model FROM ir_model_data"),
            "rows": {},
        }
        for table in tables:
            if table in BUSINESS_TABLES or table.startswith(OWN_TABLE_PREFIXES):
                cr.execute(rows_query(table))
                snapshot["rows"][table] = cr.fetchone()[0]
        return snapshot


def differences(before, after, keys, ignore_rows=()):
    lines = []
    for key in keys:
        if key == "rows":
            for table in sorted(before["rows"].keys() | after["rows"].keys()):
                if table in ignore_rows:
                    continue
                was, now = before["rows"].get(table), after["rows"].get(table)
                if was != now:
                    lines.append(f"rows of {table}: {was if was is not None else 'no table'} before, "
                                 f"{now if now is not None else 'no table'} after")
            continue
        gone, added = sorted(set(before[key]) - set(after[key])), sorted(set(after[key]) - set(before[key]))
        lines += [f"{key}: left behind: {item}" for item in added]
        lines += [f"{key}: missing: {item}" for item in gone]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    take_parser = sub.add_parser("take")
    take_parser.add_argument("db")
    take_parser.add_argument("file")
    compare_parser = sub.add_parser("compare")
    compare_parser.add_argument("before")
    compare_parser.add_argument("after")
    compare_parser.add_argument("--only", nargs="*", help="compare these parts only (tables, rows, …)")
    compare_parser.add_argument("--ignore-rows", nargs="*", default=(), help="tables whose row counts may differ")
    args = parser.parse_args()
    if args.command == "take":
        with open(args.file, "w", encoding="utf-8") as f:
            json.dump(take(args.db), f, indent=1)
        return 0
    with open(args.before, encoding="utf-8") as f:
        before = json.load(f)
    with open(args.after, encoding="utf-8") as f:
        after = json.load(f)
    keys = args.only or [key for key in before if key in after]
    found = differences(before, after, keys, set(args.ignore_rows))
    for line in found[:60]:
        print("    " + line)
    if len(found) > 60:
        print(f"    … and {len(found) - 60} more")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
