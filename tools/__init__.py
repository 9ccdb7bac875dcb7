from . import sms_segments
from . import twilio_api
from . import twiml
