from . import res_company
from . import res_config_settings
from . import crm_textback_template
from . import crm_phone_line
from . import crm_call_log
from . import crm_sms_unreachable
from . import crm_textback_cooldown
from . import crm_lead
