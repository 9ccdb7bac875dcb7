from . import sms_segments, twilio_api, twiml
