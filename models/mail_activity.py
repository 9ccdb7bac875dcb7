from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """A call activity done on a lead is the call-back of the lead's missed calls."""
        call_type = self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False)
        lead_ids = [activity.res_id for activity in self
                    if activity.res_model == "crm.lead" and activity.activity_type_id == call_type]
        if lead_ids:
            # A lead shared by companies may hold calls of several: only those of the user's.
            self.env["crm.call.log"].sudo().search([
                ("lead_id", "in", lead_ids), ("status", "=", "missed"), ("called_back_at", "=", False),
                ("company_id", "in", self.env.user.company_ids.ids),
            ])._mark_called_back(fields.Datetime.now())
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
