from . import crm_phone_line_connect
from . import crm_phone_line_archive
from . import crm_missed_call_simulation
