import logging

from markupsafe import Markup

from odoo import api, fields, models

from ..tools.odoo_compat import Constraint
from .crm_call_log import RESPONSE_WINDOW

_logger = logging.getLogger(__name__)

# Carrier keywords, as Twilio's own opt-out handling knows them.
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})


class CrmTextbackReply(models.Model):
    """A text a caller sent to one of the lines: a reply to the text-back, or a keyword."""
    _name = "crm.textback.reply"
    _description = "Text Received on a Line"
    _order = "create_date desc, id desc"
    _rec_name = "from_number"
    _check_company_auto = True

    message_sid = fields.Char("Message SID", required=True, readonly=True)
    line_id = fields.Many2one("crm.phone.line", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="line_id.company_id", store=True, index=True)
    from_number = fields.Char("From", required=True)
    body = fields.Text()
    keyword = fields.Selection(
        [("opt_out", "Opt-out (STOP)"), ("opt_in", "Opt-in (START)"), ("help", "Help")],
        help="A carrier keyword: the text changes the number's opt-out, or asks for help.")
    call_log_id = fields.Many2one("crm.call.log", "Missed Call Answered", index="btree_not_null", check_company=True)
    lead_id = fields.Many2one("crm.lead", index="btree_not_null", ondelete="set null", check_company=True)
    partner_id = fields.Many2one("res.partner", "Contact", index="btree_not_null", check_company=True)

    _message_sid_uniq = Constraint("unique(message_sid)", "A text is recorded once: this Message SID exists already.")

    @api.model
    def _keyword_of(self, body):
        word = (body or "").strip().upper()
        if word in OPT_OUT_KEYWORDS:
            return "opt_out"
        if word in OPT_IN_KEYWORDS:
            return "opt_in"
        if word in HELP_KEYWORDS:
            return "help"
        return False

    @api.model
    def _twilio_incoming_sms(self, companies, params):
        """Record an inbound text once; return ``(reply record, text to answer or None)``."""
        line = self.env["crm.phone.line"]._find_for_twilio(companies, params.get("To"))
        if not line:
            return self, None
        existing = self.search([("message_sid", "=", params["MessageSid"])], limit=1)
        if existing:
            # Twilio again (a retry): the same answer. Another company's text: no answer of its.
            if existing.company_id != line.company_id:
                return self, None
            return existing, existing._answer()
        sender = (params.get("From") or "").strip()
        number = sender and self.browse()._phone_format(
            number=sender, country=line.company_id.country_id, force_format="E164")
        if not number:
            # Not a phone number (a short code, a name, markup): nothing to record or answer.
            _logger.info("Text to %s from %r ignored: not a phone number", line.number, params.get("From"))
            return self, None
        # The caller's row serializes this text with a text being sent to the number: a STOP
        # committed first is always seen by the send, or the send goes out first. An opt-out
        # holds for every company (Odoo's blacklist is one list), so a STOP takes the number's
        # row in every company with a line.
        keyword = self._keyword_of(params.get("Body"))
        lock_companies = line.company_id
        if keyword == "opt_out":
            for (company,) in self.env["crm.phone.line"].with_context(active_test=False)._read_group(
                    [], groupby=["company_id"]):
                lock_companies |= company
        self.env["crm.caller"]._lock(lock_companies, {number: fields.Datetime.now()})
        reply = self.create({
            "message_sid": params["MessageSid"],
            "line_id": line.id,
            "from_number": number,
            "body": (params.get("Body") or "")[:1600],
            "keyword": keyword,
        })
        reply._process()
        return reply, reply._answer()

    def _process(self):
        self.ensure_one()
        blacklist = self.env["phone.blacklist"].sudo()
        if self.keyword == "opt_out":
            blacklist._add([self.from_number], message=self.env._(
                "Replied %(word)s to %(line)s", word=self.body.strip(), line=self.line_id.name))
        elif self.keyword == "opt_in":
            blacklist._remove([self.from_number], message=self.env._(
                "Replied %(word)s to %(line)s", word=self.body.strip(), line=self.line_id.name))
        elif not self.keyword:
            self._post_in_crm()
        self._mark_missed_call_responded()

    def _answer(self):
        """What to text back: only HELP gets an answer (Twilio answers STOP and START itself)."""
        if self.keyword != "help":
            return None
        return self.env._("%(company)s: we missed your call and will call you back. Call us on %(number)s. "
                 "Reply STOP to stop texts.", company=self.company_id.name, number=self.line_id.number)

    def _post_in_crm(self):
        """The reply goes to the chatter of the caller's open lead, or of the contact."""
        Partner, Lead = self.env["res.partner"], self.env["crm.lead"]
        company, number = self.company_id, self.from_number
        partner = Partner._missed_call_find_by_numbers(company, {number}).get(number, Partner)
        lead = Lead._missed_call_find_open_leads(company, {(number, partner)}).get((number, partner), Lead)
        target = lead or partner
        if not target:
            partner = Partner._missed_call_create_for_numbers(company, [number])[number]
            lead = Lead.create(Lead._missed_call_lead_values(
                self.line_id, partner, number, name=self.env._("Text from %s", partner.name), description=self.body,
                missed_call=False))
            target = lead
        body = Markup("<p>%s</p><p>%s</p>") % (self.env._("Text received on %s:", self.line_id.name), self.body)
        target.message_post(body=body, author_id=partner.id or None, message_type="comment",
                            subtype_xmlid="mail.mt_comment")
        self.write({"lead_id": lead.id, "partner_id": (partner or lead.partner_id).id})

    def _mark_missed_call_responded(self):
        """The latest missed call from this number on this line in the last 24 hours was answered by text."""
        call_log = self.env["crm.call.log"].search([
            ("line_id", "=", self.line_id.id),
            ("from_number", "=", self.from_number),
            ("status", "=", "missed"),
            ("call_start", ">=", fields.Datetime.now() - RESPONSE_WINDOW),
        ], order="call_start desc", limit=1)
        if call_log and not self.keyword:
            call_log._mark_responded(self.create_date)
            self.call_log_id = call_log
