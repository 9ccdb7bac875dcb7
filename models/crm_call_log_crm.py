import logging
from collections import defaultdict

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import format_datetime, split_every

from ..tools.odoo_compat import commit_progress
from .crm_call_log import NOTIFICATION_FRESHNESS

_logger = logging.getLogger(__name__)

# Missed calls updated in one transaction: enough to share the searches and creates,
# few enough that the rows it locks (a status callback waits for them) are soon free.
CRM_BATCH_SIZE = 10


class CrmCallLogCrm(models.Model):
    """What a missed call does in the CRM: the caller's contact, their open lead, a note
    on both timelines and the call-back activity. Done by the CRM cron off the caller's
    path, for a batch of calls at a time: a handful of queries per batch, not per call."""
    _inherit = "crm.call.log"

    @api.model
    def _cron_crm_sync(self, auto_commit=True, limit=100, companies=None):
        """Contact, lead, chatter and call-back activity of the missed calls, oldest first
        (of ``companies`` only, when given). Woken by each missed call; a failure is left
        for the next run, never lost."""
        domain = self._crm_pending_domain() + self._companies_domain(companies)
        pending = self.search(domain, order="call_start, id", limit=limit)
        left = False
        for batch in split_every(CRM_BATCH_SIZE, pending.ids, self.browse):
            # Release the calls' rows when done: their status callbacks wait for them.
            left |= not batch._under_lock(lambda locked: locked._crm_sync_locked(), auto_commit)
            self._send_alerts(auto_commit, companies=companies)
        # The scheduler runs the cron again at once while calls remain.
        remaining = self.search_count(domain) if len(pending) == limit or left else 0
        commit_progress(self.env, len(pending), remaining, commit=auto_commit)

    def _crm_sync_locked(self):
        """:meth:`_crm_sync` of the logs of ``self`` (locked) still waiting for it."""
        logs = self.filtered(lambda log: not log.crm_synced)
        if logs and not logs._crm_sync_safely():
            # One call's failure must not hold back the others.
            for log in logs:
                log._crm_sync_safely()

    @api.model
    def _crm_pending_domain(self):
        """Missed calls waiting for their CRM update."""
        return [
            ("status", "=", "missed"), ("crm_synced", "=", False),
            # Not while its first text-back attempt is on its way: the text goes first.
            "|", ("textback_state", "!=", "outgoing"), ("textback_attempts", ">", 0),
        ]

    def _crm_sync_safely(self):
        """Update the CRM, all or nothing; return whether it was done. A failure is logged
        and left for the cron, never lost. A concurrency error goes up, so that the whole
        transaction is tried again."""
        try:
            with self.env.cr.savepoint():
                self._crm_sync()
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception:
            _logger.exception("CRM update of missed calls %s failed", ", ".join(self.mapped("call_sid")))
            return False
        return True

    def _crm_sync(self):
        """Contact, lead, timeline and call-back activity of these missed calls."""
        for logs in self.sorted(lambda log: (log.call_start, log.id)).grouped("company_id").values():
            logs._crm_sync_company()

    def _crm_sync_company(self):
        """:meth:`_crm_sync` of logs of one company, in the order of the calls."""
        company = self.company_id
        numbers = {log: log._caller_e164() for log in self}
        # A withheld or invalid number gives nobody to call back.
        self.filtered(lambda log: not numbers[log]).write({"crm_synced": True})
        logs = self.filtered(lambda log: numbers[log])
        if not logs:
            return
        last_call = {}
        for log in logs:
            last_call[numbers[log]] = max(last_call.get(numbers[log], log.call_start), log.call_start)
        self.env["crm.caller"]._lock(company, last_call)

        # The caller's contact: the one on the log, else found by number, else a new one.
        Partner, Lead = self.env["res.partner"], self.env["crm.lead"]
        found = Partner._missed_call_find_by_numbers(company, set(last_call))
        created = Partner._missed_call_create_for_numbers(company, sorted(
            {numbers[log] for log in logs if not log.partner_id and numbers[log] not in found}))
        partners, known_before, seen = {}, {}, set()
        for log in logs:
            number = numbers[log]
            new_partner = created.get(number, self.env["res.partner"])
            partners[log] = log.partner_id or found.get(number) or new_partner
            # The first call of a new caller made their contact; their later calls found it.
            known_before[log] = number in seen or partners[log] != new_partner
            seen.add(number)

        # The caller's open lead, else a new one, made from the caller's first call.
        keys = {log: (numbers[log], partners[log]) for log in logs}
        leads = Lead._missed_call_find_open_leads(company, set(keys.values()))
        first_of_key = {}
        for log in logs:
            if keys[log] not in leads:
                first_of_key.setdefault(keys[log], log)
        if first_of_key:
            defaults = Lead._missed_call_lead_defaults()  # shared by the new leads, read once
            new_leads = Lead.with_context(
                mail_create_nolog=True, mail_create_nosubscribe=True,
                # The salesperson hears of it from the call-back activity and a notification.
                mail_auto_subscribe_no_notify=True,
            ).create([Lead._missed_call_lead_values(
                log.line_id, partners[log], numbers[log], name=self.env._("Missed call from %s", partners[log].name),
                description=log._call_summary(), defaults=defaults) for log in first_of_key.values()])
            leads.update(zip(first_of_key, new_leads, strict=True))
        for log in logs:
            lead = leads[keys[log]]
            if not lead.partner_id:
                lead.partner_id = partners[log]

        # A note on the lead's timeline, and on the contact's when they were known before.
        lead_notes, partner_notes = defaultdict(list), defaultdict(list)
        for log in logs:
            message = log._crm_message()
            lead_notes[leads[keys[log]]].append(message)
            if known_before[log]:
                partner_notes[partners[log]].append(message)
        self._log_notes(lead_notes)
        self._log_notes(partner_notes)

        logs._schedule_call_backs({log: leads[keys[log]] for log in logs}, partners)
        for (partner, lead), group in logs.grouped(lambda log: (partners[log], leads[keys[log]])).items():
            group.write({"partner_id": partner.id, "lead_id": lead.id, "crm_synced": True})

    @api.model
    def _log_notes(self, notes):
        """Post ``notes`` ({record: [note, …]}) as internal notes, in order, in as few
        batches as the record with the most notes needs."""
        rounds = max((len(bodies) for bodies in notes.values()), default=0)
        for index in range(rounds):
            records = [record for record, bodies in notes.items() if len(bodies) > index]
            batch = records[0].concat(*records[1:])
            batch._message_log_batch({record.id: notes[record][index] for record in records},
                                     message_type="comment")

    def _find_caller_partner(self, by_digits=True):
        """The contact of this log's caller, if there is one."""
        self.ensure_one()
        number = self._caller_e164()
        Partner = self.env["res.partner"]
        found = Partner._missed_call_find_by_numbers(self.company_id, {number} if number else set(), by_digits)
        return found.get(number, Partner)

    # ------------------------------------------------------------
    # Timeline and call-back
    # ------------------------------------------------------------

    def _call_time_at_line(self):
        """When the call came, where the line is, with its zone named: the chatter shows its
        own timestamps in the reader's zone, which may differ."""
        tz = self.line_id._calendar_tz()
        zone = pytz.utc.localize(self.call_start).astimezone(tz).strftime("%Z")
        return f"{format_datetime(self.env, self.call_start, tz=tz.zone, dt_format='medium')} {zone}"

    def _call_summary(self):
        when = self._call_time_at_line()
        reason = dict(self._fields["missed_reason"]._description_selection(self.env)).get(self.missed_reason, "")
        number = self.line_id.number_formatted
        summary = self.env._("Missed call on %(line)s (%(number)s) at %(when)s: %(reason)s",
                    line=self.line_id.name, number=number, when=when, reason=reason.lower())
        if self.after_hours:
            summary = self.env._("%s, after hours", summary)
        return summary

    def _crm_message(self):
        if self.textback_state == "skipped":
            reason = dict(self._fields["textback_skip_reason"]._description_selection(self.env))
            textback = self.env._("No text-back: %s.", reason.get(self.textback_skip_reason, ""))
        elif self.textback_state == "failed":
            textback = self.env._("The text-back could not be sent: %s", self.textback_error or "")
        else:
            textback = self.env._("Text-back sent: “%s”", self.textback_body or "")
        return Markup("<p>%s.</p><p>%s</p>") % (self._call_summary(), textback)

    def _schedule_call_backs(self, leads, partners):
        """One open call-back activity per lead and salesperson ({log: lead}, {log:
        contact}), scheduled with Odoo's activity_schedule (one batch per salesperson),
        and a notification to the salesperson at once."""
        call_type = self.env.ref("mail.mail_activity_data_call")
        all_leads = self.env["crm.lead"].concat(*leads.values())
        existing = self.env["mail.activity"].search([
            ("res_model", "=", "crm.lead"), ("res_id", "in", all_leads.ids),
            ("activity_type_id", "=", call_type.id),
        ])
        scheduled = {(activity.res_id, activity.user_id.id) for activity in existing}
        news, batches = [], defaultdict(lambda: self.env["crm.lead"])
        responsible = defaultdict(lambda: self.env["crm.call.log"])
        for log in self:
            lead, partner = leads[log], partners[log]
            # Whom activity_schedule would choose without a salesperson: the type's default user.
            user = lead.user_id or log.line_id.user_id or call_type.default_user_id or self.env.user
            if log.user_id != user:
                responsible[user] |= log
            if (lead.id, user.id) in scheduled:
                continue
            scheduled.add((lead.id, user.id))
            news.append((log, lead, partner, user))
            # Odoo's "activity assigned" email only where the line alerts by email: elsewhere the
            # alert is a text to the salesperson's phone (or nothing), which reaches him sooner.
            batches[user, log.line_id._alerts_by_email()] |= lead
        # The salesperson who calls back is the call's: he sees it, with "Own Documents Only"
        # too, and the pop-up's buttons open what he may open.
        for user, logs in responsible.items():
            logs.user_id = user
        for (user, by_email), batch in batches.items():
            (batch if by_email else batch.with_context(mail_activity_quick_update=True)).activity_schedule(
                "mail.mail_activity_data_call", user_id=user.id,
                date_deadline=fields.Date.context_today(batch.with_user(user)),
                summary=self.env._("Call back now: leads called within 5 minutes convert best"))
        self._prepare_alerts(leads, partners)
        # The 5-minute rule: tell the salesperson at once, wherever they are in Odoo (a call
        # whose CRM update comes late is no news any more).
        if self.env.context.get("crm_missed_call_no_notification"):
            return
        fresh_after = fields.Datetime.now() - NOTIFICATION_FRESHNESS
        for log, lead, partner, user in news:
            if log.call_start >= fresh_after:
                # Shown with "Open lead" and "Call back" buttons (static/src/missed_call_notification).
                user._bus_send("crm_missed_call_textback/missed_call", {
                    "title": self.env._("Missed call: call back within 5 minutes"),
                    "message": self.env._("%(caller)s called %(line)s. Lead: %(lead)s",
                                          caller=partner.name, line=log.line_id.name, lead=lead.name),
                    "lead_id": lead.id,
                    "call_log_id": log.id,
                    "number": log._caller_e164(),
                })
