import re

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools.mail import html_to_inner_content
from odoo.tools.rendering_tools import parse_inline_template

from ..tools.sms_segments import sms_size
from .crm_call_log import MERGE_FIELDS

# A new caller: their contact is named after their number, so the text greets "there".
SAMPLE_CALLER_NUMBER = "+14155550123"
SAMPLE_BOOKING_URL = "https://example.com/book"


def as_sms_text(value):
    """A merge field's value as text for an SMS."""
    if isinstance(value, models.BaseModel):
        return ", ".join(record.display_name or "" for record in value)
    if isinstance(value, Markup):
        return html_to_inner_content(value)
    if value is None or value is False:
        return ""
    return str(value)


def first_not_merge_field(parts):
    """The first expression of a parsed inline template that is no merge field, or None."""
    return next((expression.strip() for _literal, expression, _default in parts
                 if expression and expression.strip() not in MERGE_FIELDS), None)


class CrmTextbackTemplate(models.Model):
    """The text a caller receives after a missed call.

    ``body`` is an Odoo inline template rendered on the ``crm.call.log`` of the
    missed call, e.g. ``Hi {{ object.caller_first_name }}``.
    """
    _name = "crm.textback.template"
    _inherit = ["mail.render.mixin"]
    _description = "Missed Call Text-Back Template"
    _order = "kind, sequence, id"

    # Anybody may render (webhooks render as superuser). What is rendered is limited to the
    # merge fields of MERGE_FIELDS for every author, Mail Template Editors and administrators
    # included: the text is rendered as superuser, so any other expression could read what no
    # caller may see (another company's Auth Token), and Odoo's own allowed expressions would
    # put HTML or a record into a text.
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
        "res.company", index=True, default=lambda self: self.env.company,
        help="Leave empty to share the template between companies (an administrator, or a user of every "
             "company, may do so).")
    preview = fields.Text(
        compute="_compute_preview",
        help="The body rendered with typical values: a new caller (greeted as 'there'; a known "
             "contact gets their first name), this company, your first phone line.")
    preview_error = fields.Char(compute="_compute_preview")
    preview_length = fields.Integer("Characters", compute="_compute_preview")
    preview_encoding = fields.Char("Encoding", compute="_compute_preview")
    preview_segments = fields.Integer("SMS segments", compute="_compute_preview")

    def _compute_render_model(self):
        self.render_model = "crm.call.log"

    # ------------------------------------------------------------
    # Shared templates
    # ------------------------------------------------------------
    # A template without a company is offered to every company: changing it changes what
    # every company's callers read. Only a user of every company, or an administrator,
    # may change or delete one; others duplicate it for their company.

    def _may_edit_shared_templates(self):
        return bool(self.env.su or self.env.user.has_group("base.group_system") or not self.env[
            "res.company"].sudo().search_count([("id", "not in", self.env.user.company_ids.ids)], limit=1))

    def _check_shared_templates_editable(self):
        if self.filtered(lambda template: not template.company_id) and not self._may_edit_shared_templates():
            raise AccessError(self.env._(
                "This template is shared by all companies: changing it changes what the callers of every "
                "company receive. Only a user of every company or an administrator may change it; duplicate "
                "it for your company instead."))

    @api.model_create_multi
    def create(self, vals_list):
        templates = super().create(vals_list)
        templates._check_shared_templates_editable()
        return templates

    def copy_data(self, default=None):
        # A copy of a shared template by somebody who may not share one is their company's.
        vals_list = super().copy_data(default=default)
        if not self._may_edit_shared_templates():
            for vals in vals_list:
                vals["company_id"] = vals.get("company_id") or self.env.company.id
        return vals_list

    @api.constrains("company_id")
    def _check_lines_company(self):
        """A template that moves to a company must not stay on another company's lines."""
        lines = self.env["crm.phone.line"].sudo().with_context(active_test=False).search(
            ["|", ("template_id", "in", self.ids), ("after_hours_template_id", "in", self.ids)])
        for line in lines:
            for template in (line.template_id | line.after_hours_template_id) & self:
                if template.company_id and template.company_id != line.company_id:
                    raise ValidationError(self.env._(
                        "The template “%(template)s” is the text of the line “%(line)s” of %(company)s: it cannot "
                        "belong to another company. Give the line another template first.",
                        template=template.name, line=line.name, company=line.company_id.name))

    def write(self, vals):
        self._check_shared_templates_editable()
        result = super().write(vals)
        if "company_id" in vals:
            self._check_shared_templates_editable()  # made shared by this change
        return result

    def unlink(self):
        self._check_shared_templates_editable()
        return super().unlink()

    def update_field_translations(self, field_name, translations, *args, **kwargs):
        self._check_shared_templates_editable()
        result = super().update_field_translations(field_name, translations, *args, **kwargs)
        if field_name == "body":
            # A translation is a body too: each language's text is checked as the body is on save.
            for lang in translations:
                self.with_context(lang=lang)._check_body()
        return result

    merge_fields_help = fields.Html(compute="_compute_merge_fields_help", sanitize=False)

    @api.depends("body", "kind")
    @api.depends_context("company")
    def _compute_preview(self):
        for template in self:
            problem = template._body_problem()
            preview = "" if problem else template._render_preview()
            size = sms_size(preview)
            template.preview = preview
            template.preview_error = problem
            template.preview_length = size.length
            template.preview_encoding = size.encoding
            template.preview_segments = size.segments

    def _compute_merge_fields_help(self):
        rows = Markup("").join(
            Markup("<tr><td><code>{{ %s }}</code></td><td>%s</td></tr>") % (expression, self.env._(description))
            for expression, description in MERGE_FIELDS.items())
        self.merge_fields_help = Markup('<table class="table table-sm mb-0"><tbody>%s</tbody></table>') % rows

    @api.constrains("body")
    def _check_body(self):
        """A template that cannot be rendered is refused when it is saved, with what is wrong."""
        for template in self:
            problem = template._body_problem()
            if problem:
                raise ValidationError(problem)

    def _body_problem(self):
        """What keeps this body from rendering on a typical call, or False: an unclosed
        merge field, or a merge field that fails (an unknown field, a typo)."""
        self.ensure_one()
        if not self.body:
            return False
        parts = parse_inline_template(self.body)
        for literal, _expression, _default in parts:
            if "{{" in literal:
                fragment = literal[literal.find("{{"):][:40]
            elif "}}" in literal:
                fragment = literal[:literal.find("}}") + 2][-40:]
            else:
                continue
            return self.env._(
                "A merge field is not closed: “%(fragment)s”. Write it as {{ object.caller_first_name }}.",
                fragment=fragment)
        not_merge_field = first_not_merge_field(parts)
        if not_merge_field:
            return self._not_a_merge_field(not_merge_field)
        sample = self._preview_call_log()
        for _literal, expression, _default in parts:
            if not expression:
                continue
            try:
                with self.env.cr.savepoint(flush=False):
                    self._render_template_inline_template(
                        f"{{{{ {expression} }}}}", "crm.call.log", list(sample._ids))
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception as error:  # noqa: BLE001 (any error of an expression is a broken template)
                return self.env._(
                    "The merge field {{ %(expression)s }} cannot be used: %(reason)s. The merge fields are listed "
                    "beside the message.", expression=expression, reason=self._render_error_reason(error))
        return False

    def _not_a_merge_field(self, expression):
        """Why ``expression`` is refused, naming a mistyped field (never rendered to find out)."""
        field = re.fullmatch(r"object\.(\w+)(?:\..*)?", expression)
        if field and field.group(1) not in self.env["crm.call.log"]._fields:
            reason = self.env._("the record “%(model)s” has no field “%(field)s”",
                                model=self.env["crm.call.log"]._description, field=field.group(1))
        else:
            reason = self.env._("it is not one of the merge fields")
        return self.env._(
            "The merge field {{ %(expression)s }} cannot be used: %(reason)s. The merge fields are listed "
            "beside the message.", expression=expression, reason=reason)

    def _render_error_reason(self, error):
        """What went wrong in a rendering, in words (Odoo wraps the cause)."""
        cause = error.__cause__ or error
        text = str(cause)
        unknown = re.search(r"'([\w.]+)' object has no attribute '([^']+)'", text)
        if unknown and unknown.group(1) in self.env:
            return self.env._("the record “%(model)s” has no field “%(field)s”",
                              model=self.env[unknown.group(1)]._description, field=unknown.group(2))
        undefined = re.search(r"name '([^']+)' is not defined", text)
        if undefined:
            return self.env._("“%s” is unknown (merge fields start with object.)", undefined.group(1))
        return text.split(" while evaluating", 1)[0][:200]

    def _render_preview(self):
        """The body rendered on an unsaved call log with typical values."""
        self.ensure_one()
        if not self.body:
            return ""
        sample = self._preview_call_log()
        return self._render_text(self.body, sample)[sample.id]

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
        partner = self.env["res.partner"].new({
            "name": self.browse()._phone_format(number=SAMPLE_CALLER_NUMBER, force_format="INTERNATIONAL")})
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
        return template._render_text(template.body, call_log)[call_log.id].strip()

    def _render_text(self, body, records):
        """``{id: text}``: ``body`` rendered on ``records`` as an SMS is read, every merge field
        as plain text: HTML (a signature) as its text, records (``object.partner_id``) by name,
        never a record's repr. Only merge fields are rendered: a body saved around the check on
        save (written in the database) fails here rather than run another expression."""
        parts = parse_inline_template(body or "")
        not_merge_field = first_not_merge_field(parts)
        if not_merge_field:
            raise UserError(self._not_a_merge_field(not_merge_field))
        wrapped = "".join(
            literal + (f"{{{{ _as_sms_text({expression}) ||| {default} }}}}" if expression else "")
            for literal, expression, default in parts)
        return self._render_template_inline_template(
            wrapped, records._name, list(records._ids), add_context={"_as_sms_text": as_sms_text})
