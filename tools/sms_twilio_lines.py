"""Odoo 19's Twilio SMS (sms_twilio), sending from the add-on's lines: a subclass of its
SMS API, made when a company sends through it (sms_twilio may not be installed)."""
import functools

from odoo import fields

from odoo.addons.phone_validation.tools import phone_validation

from . import twilio_api


@functools.cache
def twilio_lines_sms_api(base):
    """``base`` (sms_twilio's SmsApiTwilio) sending each SMS from the line the recipient
    last called or texted, through the add-on's Twilio client, never to an opted-out number."""
    from odoo.addons.sms_twilio.tools.sms_twilio import get_twilio_status_callback_url  # noqa: PLC0415

    class TwilioLinesSmsApi(base):

        # Twilio's status callbacks go to sms_twilio's own route, not to delivery_reports_url.
        def _send_sms_batch(self, messages, delivery_reports_url=False):  # pylint: disable=unused-argument
            company = (self.company or self.env.company).sudo()
            twilio = company._twilio_api()
            results = []
            for message in messages:
                for number_info in message.get("numbers") or []:
                    results.append(self._send_from_line(
                        twilio, company, number_info["number"], message.get("content") or "", number_info["uuid"]))
            return results

        def _send_from_line(self, twilio, company, number, body, uuid):
            e164 = phone_validation.phone_format(
                number or "", company.country_id.code, company.country_id.phone_code, force_format="E164",
                raise_exception=False)
            line = e164 and company._missed_call_sender_line(e164)
            if not line:  # no line of ours fits: sms_twilio's own numbers
                return base._send_sms_batch(self, [{"content": body, "numbers": [{"number": number, "uuid": uuid}]}])[0]
            self.env["crm.caller"]._lock(company, {e164: fields.Datetime.now()})
            if self.env["phone.blacklist"]._missed_call_opted_out(e164):
                return {"uuid": uuid, "state": "twilio_blacklist", "failure_type": "twilio_blacklist",
                        "failure_reason": self.env._("The recipient opted out (STOP).")}
            try:
                sid, _status = twilio.send_message(
                    to=e164, from_=line.number, body=body,
                    status_callback=get_twilio_status_callback_url(company, uuid),
                    messaging_service_sid=line.messaging_service_sid or None)
            except twilio_api.TwilioError as error:
                reason = error.describe(self.env)
                failure = self._twilio_error_code_to_odoo_state({"code": error.code, "message": reason})
                return {"uuid": uuid, "state": failure, "failure_type": failure, "failure_reason": reason}
            return {"uuid": uuid, "state": "sent", "failure_type": False, "failure_reason": False,
                    "sms_twilio_sid": sid}

    return TwilioLinesSmsApi
