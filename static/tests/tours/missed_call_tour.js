/** @odoo-module **/

import { registry } from "@web/core/registry";

const LONG_BODY =
    "Hi {{ object.caller_first_name }}, sorry we missed your call to {{ object.company_id.name }}. " +
    "We are out on a job right now and will call you back within the hour. If it is urgent, reply " +
    "to this text with your address and what happened, and the first plumber who is free will come " +
    "straight to you. You can also book a time that suits you at {{ object.line_id.booking_url }}. " +
    "Thank you for calling, and sorry again for the wait!";

function openMenu(xmlid) {
    return [
        {
            content: "Open the Missed Calls menu",
            trigger: ".o_main_navbar [data-menu-xmlid='crm_missed_call_textback.crm_missed_call_menu_root']",
            run: "click",
        },
        {
            content: `Open ${xmlid}`,
            trigger: `.o-dropdown--menu [data-menu-xmlid='crm_missed_call_textback.${xmlid}']`,
            run: "click",
        },
    ];
}

/**
 * The main path of a sales manager: the call log, a missed call (called back from the
 * business number), its lead with the text-back in the chatter, the dashboard, and a template whose segment counter
 * follows the body as it grows.
 */
registry.category("web_tour.tours").add("crm_missed_call_textback_main_path", {
    url: "/odoo",
    steps: () => [
        {
            // As stepUtils.showAppsMenuItem(), written inline: its module moved in Odoo 19.
            content: "Open the apps menu",
            isActive: ["auto", "community", "desktop"],
            trigger: ".o_navbar_apps_menu button:enabled",
            run: "click",
        },
        {
            content: "Open CRM",
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            run: "click",
        },
        ...openMenu("crm_call_log_menu"),
        {
            content: "Open the missed call",
            trigger: ".o_list_renderer .o_data_row .o_data_cell[name='caller_display']",
            run: "click",
        },
        {
            content: "The call shows the text the caller got",
            trigger: ".o_form_view .o_field_widget[name='textback_body']:contains('Sorry we missed your call')",
        },
        {
            content: "Call the caller back from the business number",
            trigger: ".o_form_view .o_form_statusbar button.btn-primary[name='action_call_back']",
            run: "click",
        },
        {
            content: "Twilio rings the salesperson's phone first",
            trigger: ".o_notification:contains('Calling back'):contains('+1 415-555-0142')",
        },
        {
            content: "Follow the call to its lead",
            trigger: ".o_form_view button[name='action_open_lead']",
            run: "click",
        },
        {
            content: "The lead is tagged Missed Call",
            trigger: ".o_form_view .o_field_widget[name='tag_ids'] .o_tag:contains('Missed Call')",
        },
        {
            content: "The text-back is in the lead's chatter",
            trigger: ".o-mail-Chatter .o-mail-Message-body:contains('Text-back sent')",
        },
        ...openMenu("crm_missed_call_dashboard_menu"),
        {
            content: "The dashboard counts the call",
            trigger: ".o_missed_call_dashboard .o_missed_call_kpi[data-kpi='calls'] .o_kpi_value:contains('1')",
        },
        {
            content: "Switch to the last 30 days",
            trigger: ".o_missed_call_dashboard button:contains('Last 30 days')",
            run: "click",
        },
        {
            trigger: ".o_missed_call_dashboard button.btn-primary:contains('Last 30 days')",
        },
        ...openMenu("crm_textback_template_menu"),
        {
            content: "Open the in-hours template",
            trigger: ".o_list_renderer .o_data_row .o_data_cell[name='name']:contains('Sorry we missed you')",
            run: "click",
        },
        {
            content: "A short text is one segment",
            trigger: ".o_form_view .o_field_widget[name='preview_segments']:not(.oe_inline):contains('1')",
        },
        {
            content: "Write a long text",
            trigger: ".o_form_view .o_field_widget[name='body'] textarea",
            run: `edit ${LONG_BODY}`,
        },
        {
            content: "Leave the body: the form takes the new text",
            trigger: ".o_form_view .o_field_widget[name='name'] input",
            run: "click",
        },
        {
            content: "The counter follows, and a warning says the text takes several segments",
            trigger: ".o_form_view .alert-warning .o_field_widget[name='preview_segments']:not(:contains('1'))",
        },
        {
            content: "Leave the template as it was",
            trigger: ".o_form_view .o_form_button_cancel",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});
