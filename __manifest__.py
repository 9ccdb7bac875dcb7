{
    "name": "Missed Call Text-Back",
    # No series: Odoo prefixes its own (18.0.1.0.0 on 18.0, 19.0.1.0.0 on 19.0), one tree for both.
    "version": "1.1.2",  # pylint: disable=manifest-version-format
    "summary": "Text callers back within seconds when a call to your Twilio number goes unanswered, "
               "log every call and turn missed calls into CRM leads",
    "category": "Sales/CRM",
    "author": "crm_missed_call_textback developers",
    "website": "https://github.com/crm-missed-call-textback/crm_missed_call_textback",
    "license": "LGPL-3",
    # Listed under Apps' default filter, so that searching "Missed Call" finds it.
    "application": True,
    "depends": [
        "crm",
        "digest",
        "sms",
        "phone_validation",
        "resource",
        "utm",
    ],
    "external_dependencies": {
        "python": ["twilio", "phonenumbers"],
    },
    "data": [
        "security/crm_missed_call_textback_security.xml",
        "security/ir.model.access.csv",
        "data/crm_missed_call_data.xml",
        "data/crm_textback_template_data.xml",
        "data/ir_cron_data.xml",
        "data/digest_data.xml",
        "views/crm_call_log_views.xml",
        "views/crm_call_report_views.xml",
        "views/crm_phone_line_views.xml",
        "views/crm_textback_template_views.xml",
        "views/crm_lead_views.xml",
        "views/crm_lead_search_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_users_views.xml",
        "views/digest_digest_views.xml",
        "wizard/crm_phone_line_connect_views.xml",
        "wizard/crm_phone_line_archive_views.xml",
        "wizard/crm_missed_call_simulation_views.xml",
        "views/crm_missed_call_menus.xml",
    ],
    "demo": [
        "demo/crm_missed_call_demo.xml",
    ],
    "uninstall_hook": "uninstall_hook",
    "assets": {
        "web.assets_backend": [
            "crm_missed_call_textback/static/src/dashboard/*",
            "crm_missed_call_textback/static/src/missed_call_notification/*",
        ],
        "web.assets_tests": [
            "crm_missed_call_textback/static/tests/tours/*",
        ],
    },
    "images": [
        "static/description/screenshots/call-log.png",
        "static/description/screenshots/missed-call.png",
        "static/description/screenshots/lead-with-text-back.png",
        "static/description/screenshots/dashboard.png",
        "static/description/screenshots/heat-map.png",
        "static/description/screenshots/template-editor.png",
        "static/description/screenshots/follow-up.png",
        "static/description/screenshots/line-settings.png",
    ],
}
