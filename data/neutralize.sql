-- A duplicated (neutralized) database must neither accept Twilio webhooks nor text anybody.
UPDATE res_company SET twilio_account_sid = NULL, twilio_auth_token = NULL;
