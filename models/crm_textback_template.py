from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.sms_segments import sms_size

SAMPLE_CALLER_NAME = "Alex Johnson"
SAMPLE_CALLER_NUMBER = "+14155550123"
SAMPLE_BOOKING_URL = "https://example.com/book"


class CrmTextbackTemplate(models.Model):
    """The text a caller receives after a missed call.

    ``body`` is an Odoo inline template rendered on the ``crm.call.log`` of the
    missed call, e.g. ``Hi {{ object.caller_first_name }}``.
    """
    _name = "crm.textback.template"
    _inherit = ["mail.render.mixin"]
    _description = "Missed Call Text-Back Template"
    _order = "kind, sequence, id"

    # As sms.template: anybody may render (webhooks render as superuser), and saving an
    # expression beyond the merge fields of crm.call.log needs the Mail Template Editor group.
    _unrestricted_rendering = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    kind = fields.Selection(
        [("in_hours", "During business hours"), ("after_hours", "After hours")],
        required=True, default="in_hours",
        help="During business hours the text promises a quick call-back; "
             "after hours it says when the business opens again.")
    body = fields.Text(
        required=True, translate=True,
        help="Merge fields: {{ object.caller_first_name }}, {{ object.company_id.name }}, "
             "{{ object.line_id.name }}, {{ object.line_id.booking_url }}, {{ object.user_id.name }}, "
             "{{ object.next_opening_text }} (after hours, e.g. 'tomorrow at 8:00 AM').")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty to share the template between companies.")
    preview = fields.Text(
        compute="_compute_preview",
        help="The body rendered with typical values: a caller named Alex Johnson, "
             "this company, your first phone line.")
    preview_length = fields.Integer("Characters", compute="_compute_preview")
    preview_encoding = fields.Char("Encoding", compute="_compute_preview")
    preview_segments = fields.Integer("SMS segments", compute="_compute_preview")

    def _compute_render_model(self):
        self.render_model = "crm.call.log"

    @api.depends("body", "kind")
    @api.depends_context("company")
    def _compute_preview(self):
        for template in self:
            preview = template._render_preview()
            size = sms_size(preview)
            template.preview = preview
            template.preview_length = size.length
            template.preview_encoding = size.encoding
            template.preview_segments = size.segments

    def _render_preview(self):
        """The body rendered on an unsaved call log with typical values."""
        self.ensure_one()
        if not self.body:
            return ""
        sample = self._preview_call_log()
        try:
            return self._render_template_inline_template(self.body, "crm.call.log", list(sample._ids))[sample.id]
        except UserError as error:
            return self.env._("This template cannot be rendered: %s", error)

    def _preview_call_log(self):
        company = self.company_id or self.env.company
        line = self.env["crm.phone.line"].search([("company_id", "=", company.id)], limit=1)
        if not line:
            line = self.env["crm.phone.line"].new({
                "name": self.env._("Main line"),
                "company_id": company.id,
                "user_id": self.env.user.id,
                "booking_url": SAMPLE_BOOKING_URL,
            })
        partner = self.env["res.partner"].new({"name": SAMPLE_CALLER_NAME})
        return self.env["crm.call.log"].new({
            "line_id": line.id,
            "company_id": company.id,
            "user_id": line.user_id.id,
            "partner_id": partner.id,
            "from_number": SAMPLE_CALLER_NUMBER,
            "after_hours": self.kind == "after_hours",
            "next_opening_text": self.env._("tomorrow at 8:00 AM"),
        })

    def _render_for_call(self, call_log):
        """The text of this template for ``call_log``, in the caller's language."""
        self.ensure_one()
        lang = call_log.partner_id.lang or call_log.company_id.partner_id.lang
        template = self.with_context(lang=lang) if lang else self
        return template._render_field("body", call_log.ids)[call_log.id].strip()
