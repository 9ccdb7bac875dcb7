from . import crm_phone_line_connect
