import random
from datetime import timedelta

import pytz

from odoo import api, fields, models

# Calls per local hour on a weekday: a morning and an afternoon peak.
HOURLY_WEIGHTS = {7: 2, 8: 6, 9: 9, 10: 10, 11: 9, 12: 7, 13: 8, 14: 9, 15: 9, 16: 7, 17: 4, 18: 2, 19: 1, 20: 1}
# Share of calls missed per local hour: lunch and evenings are the weak spots.
MISSED_SHARE = {12: 0.45, 13: 0.3, 17: 0.35, 18: 0.6, 19: 0.7, 20: 0.8}


class CrmCallLogDemo(models.Model):
    _inherit = "crm.call.log"

    @api.model
    def _generate_demo_calls(self, line_id, count=300, days=60, seed=42):
        """Calls over the last ``days`` days with a realistic daily pattern, their
        text-backs, leads in every stage and call-backs: demo data only."""
        # Past calls: no pop-up, no "activity assigned" email to the salesperson.
        quiet = self.with_context(crm_missed_call_no_notification=True, mail_activity_quick_update=True,
                                  tracking_disable=True, mail_notrack=True)
        return quiet._create_demo_calls(line_id, count, days, seed)

    def _create_demo_calls(self, line_id, count, days, seed):
        line = self.env["crm.phone.line"].browse(line_id)
        rng = random.Random(seed)
        tz = line._calendar_tz()
        now = fields.Datetime.now()
        stages = self.env["crm.stage"].search([], limit=20)
        hours, weights = zip(*HOURLY_WEIGHTS.items(), strict=True)
        for _n in range(count):
            day = (now - timedelta(days=rng.randrange(days))).date()
            if day.weekday() >= 5 and rng.random() < 0.7:
                day -= timedelta(days=2)
            local = tz.localize(fields.Datetime.to_datetime(day).replace(
                hour=rng.choices(hours, weights)[0], minute=rng.randrange(60)))
            start = local.astimezone(pytz.utc).replace(tzinfo=None)
            if start > now:
                start -= timedelta(days=7)
            missed = rng.random() < MISSED_SHARE.get(local.hour, 0.18)
            log = self.create({
                "call_sid": f"CA{rng.getrandbits(128):032x}",
                "line_id": line.id,
                "from_number": f"+1415555{rng.randrange(10000):04d}",
                "call_start": start,
                "status": "missed" if missed else "answered",
                "duration": 0 if missed else rng.randint(25, 600),
            })
            if not missed:
                continue
            state = rng.choices(["delivered", "sent", "undelivered"], [88, 7, 5])[0]
            # The template and its merge fields as the text-back path chooses and fills them.
            after_hours = not line._is_open_at(start)
            template = (line.after_hours_template_id if after_hours else line.template_id) or line.template_id
            log.write({
                "missed_reason": rng.choices(["no-answer", "busy", "canceled"], [75, 10, 15])[0],
                "after_hours": after_hours,
                "next_opening_text": after_hours and line._next_opening_in_words(start),
                "textback_state": state,
                "textback_sid": f"SM{rng.getrandbits(128):032x}",
                "textback_template_id": template.id,
                "responded": rng.random() < 0.4,
            })
            log.textback_body = template._render_for_call(log) if template else False
            log._crm_sync()
            if rng.random() < 0.65:
                seconds = rng.choice([90, 180, 240, 420, 900, 2700, 7200])
                log._mark_called_back(start + timedelta(seconds=seconds))
            lead = log.lead_id
            if lead and stages:
                lead.write({"stage_id": stages[rng.randrange(len(stages))].id,
                            "expected_revenue": rng.choice([180, 250, 400, 650, 1200])})
                if rng.random() < 0.15 and not lead.stage_id.is_won:  # Odoo refuses to lose a won lead
                    lead.action_set_lost()
