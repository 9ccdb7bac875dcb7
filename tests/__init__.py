from . import test_call_outcome
from . import test_crm_sync
from . import test_phone_line
from . import test_security
from . import test_sms_segments
from . import test_textback_template
from . import test_webhooks
from . import test_who_is_not_texted
