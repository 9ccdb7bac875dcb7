from . import crm_phone_line_connect
from . import crm_phone_line_archive
