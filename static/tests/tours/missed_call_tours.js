/** @odoo-module **/

import { registry } from "@web/core/registry";

// Steps are written inline (no tour_utils import): the helpers' module moved in Odoo 19.

function openMissedCallsMenu(xmlid) {
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

function openCrm() {
    return [
        {
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
    ];
}

function tickRow(listField, rowText, column) {
    const cell = `.modal .o_field_widget[name='${listField}'] .o_data_row:contains('${rowText}') .o_data_cell[name='${column}']`;
    return [
        {
            // A click on a boolean cell of an editable list ticks it.
            content: `Tick ${rowText}`,
            trigger: cell,
            run: "click",
        },
        {
            trigger: `${cell} input:checked`,
        },
    ];
}

/**
 * Connect a Phone Number, both ways, as a new administrator does: a number of the Twilio
 * account, then a new local number searched and bought; each ends on the created line.
 */
registry.category("web_tour.tours").add("crm_missed_call_textback_connect_wizard", {
    url: "/odoo",
    steps: () => [
        ...openCrm(),
        ...openMissedCallsMenu("crm_phone_line_connect_menu"),
        {
            content: "The wizard checked the Twilio account as it opened",
            trigger: ".modal .alert-success:contains('Connected to the Twilio account')",
        },
        ...tickRow("owned_number_ids", "+1 808-925-5327", "selected"),
        {
            content: "Name the line",
            trigger: ".modal .o_field_widget[name='name'] input",
            run: "edit Shop line",
        },
        {
            content: "Say which phone the line rings",
            trigger: ".modal .o_field_widget[name='forward_to'] input",
            run: "edit +14155550199",
        },
        {
            content: "Connect the number",
            trigger: ".modal footer button[name='action_connect']",
            run: "click",
        },
        {
            content: "The line is created",
            trigger: ".o_breadcrumb:contains('Shop line')",
        },
        ...openMissedCallsMenu("crm_phone_line_connect_menu"),
        {
            content: "Buy a new local number instead",
            trigger: ".modal .o_field_widget[name='mode'] input[data-value='buy']",
            run: "click",
        },
        {
            content: "Look in area code 415",
            trigger: ".modal .o_field_widget[name='area_code'] input",
            run: "edit 415",
        },
        {
            content: "Search numbers",
            trigger: ".modal button[name='action_search']",
            run: "click",
        },
        ...tickRow("available_number_ids", "+1 808-925-1571", "selected"),
        {
            content: "Accept the monthly cost",
            trigger: ".modal .o_field_widget[name='confirm_purchase'] input",
            run: "click",
        },
        {
            content: "Name the line",
            trigger: ".modal .o_field_widget[name='name'] input",
            run: "edit Bought line",
        },
        {
            content: "Say which phone the line rings",
            trigger: ".modal .o_field_widget[name='forward_to'] input",
            run: "edit +14155550199",
        },
        {
            content: "Buy and connect it",
            trigger: ".modal footer button[name='action_connect']",
            run: "click",
        },
        {
            content: "The line is created with the bought number",
            trigger: ".o_breadcrumb:contains('Bought line')",
        },
    ],
});

/**
 * A template with a typo is refused with the field named; a call whose template fails
 * anyway is still a missed call, with the reason, and its lead.
 */
registry.category("web_tour.tours").add("crm_missed_call_textback_broken_template", {
    url: "/odoo",
    steps: () => [
        ...openCrm(),
        ...openMissedCallsMenu("crm_textback_template_menu"),
        {
            content: "Open the in-hours template",
            trigger: ".o_list_renderer .o_data_row .o_data_cell[name='name']:contains('Sorry we missed you')",
            run: "click",
        },
        {
            content: "Make a typo in a merge field",
            trigger: ".o_form_view .o_field_widget[name='body'] textarea",
            run: "edit We open {{ object.next_openning_text }}",
        },
        {
            content: "Leave the body",
            trigger: ".o_form_view .o_field_widget[name='name'] input",
            run: "click",
        },
        {
            content: "The preview names the unknown field",
            trigger: ".o_form_view .o_textback_template_error:contains('next_openning_text')",
        },
        {
            content: "Try to save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saving is refused, naming the field",
            trigger: ".modal .modal-body:contains('next_openning_text')",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Discard the typo",
            trigger: ".o_form_view .o_form_button_cancel",
            run: "click",
        },
        ...openMissedCallsMenu("crm_call_log_menu"),
        {
            content: "Open the call whose template failed",
            trigger: ".o_list_renderer .o_data_row:contains('+1 415-555-0188') .o_data_cell[name='caller_display']",
            run: "click",
        },
        {
            content: "It is a missed call",
            trigger: ".o_form_view .oe_title .o_field_widget[name='status']:contains('Missed')",
        },
        {
            content: "Its text-back failed, saying why",
            trigger: ".o_form_view .o_field_widget[name='textback_error']:contains('could not be rendered')",
        },
        {
            content: "Its lead is there",
            trigger: ".o_form_view button[name='action_open_lead']",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='tag_ids'] .o_tag:contains('Missed Call')",
        },
    ],
});

/**
 * A salesperson with "Own Documents Only": his calls and the unassigned ones, his lead,
 * his dashboard; no access error anywhere.
 */
registry.category("web_tour.tours").add("crm_missed_call_textback_salesperson", {
    url: "/odoo",
    steps: () => [
        ...openCrm(),
        ...openMissedCallsMenu("crm_call_log_menu"),
        {
            content: "His own call is listed",
            trigger: ".o_list_renderer .o_data_row:contains('+1 415-555-0111')",
        },
        {
            content: "A colleague's call is not",
            trigger: ".o_list_renderer:not(:has(.o_data_row:contains('+1 415-555-0122')))",
        },
        {
            content: "Open his call",
            trigger: ".o_list_renderer .o_data_row:contains('+1 415-555-0111') .o_data_cell[name='caller_display']",
            run: "click",
        },
        {
            content: "The caller is a phone link",
            trigger: ".o_form_view .oe_title a[href^='tel:']:contains('+1 415-555-0111')",
        },
        {
            content: "Open his lead",
            trigger: ".o_form_view button[name='action_open_lead']",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='tag_ids'] .o_tag:contains('Missed Call')",
        },
        ...openMissedCallsMenu("crm_missed_call_dashboard_menu"),
        {
            content: "His dashboard counts his calls only",
            trigger: ".o_missed_call_dashboard .o_missed_call_kpi[data-kpi='calls'] .o_kpi_value:contains('1')",
        },
        {
            content: "The trend is drawn",
            trigger: ".o_missed_call_dashboard .o_missed_call_trend_bar",
        },
    ],
});

/**
 * The manager's pictures: the trend opens the calls of a day, and a heat-map cell the
 * calls of its weekday and hour.
 */
registry.category("web_tour.tours").add("crm_missed_call_textback_dashboard_heat_map", {
    url: "/odoo",
    steps: () => [
        ...openCrm(),
        ...openMissedCallsMenu("crm_missed_call_dashboard_menu"),
        {
            content: "Open today's calls from the trend",
            trigger: ".o_missed_call_dashboard .o_missed_call_trend_bar:last-of-type",
            run: "click",
        },
        {
            content: "The day's calls are listed",
            trigger: ".o_list_renderer .o_data_row:contains('+1 415-555-0123')",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "Open the missed calls from their card",
            trigger: ".o_missed_call_dashboard .o_missed_call_kpi[data-kpi='missed_rate']",
            run: "click",
        },
        {
            trigger: ".o_list_renderer .o_data_row:contains('+1 415-555-0123')",
        },
        ...openMissedCallsMenu("crm_call_report_peak_menu"),
        {
            content: "Every hour of the week is shown",
            trigger: ".o_missed_call_heat_map .o_missed_call_heat_map_table tbody tr:last-child td:nth-child(25)",
        },
        {
            content: "The hours' timezone is named",
            trigger: ".o_missed_call_heat_map .o_missed_call_timezone:contains('America/New_York')",
        },
        {
            content: "Open the cell of the missed call",
            trigger: ".o_missed_call_heat_map .o_missed_call_heat_cell_calls",
            run: "click",
        },
        {
            content: "Its calls are listed",
            trigger: ".o_list_renderer .o_data_row:contains('+1 415-555-0123')",
        },
    ],
});

/**
 * Call-Back Overdue in a browser west of UTC: the call missed 6 minutes ago is overdue,
 * the one missed 2 minutes ago is not yet, and those whose lead is won or lost are not.
 */
registry.category("web_tour.tours").add("crm_missed_call_textback_overdue", {
    url: "/odoo",
    steps: () => [
        ...openCrm(),
        ...openMissedCallsMenu("crm_missed_call_dashboard_menu"),
        {
            content: "Open the overdue call-backs",
            trigger: ".o_missed_call_dashboard button:contains('Overdue call-backs')",
            run: "click",
        },
        {
            content: "The call missed 6 minutes ago is overdue",
            trigger: ".o_list_renderer .o_data_row:contains('+1 415-555-0106')",
        },
        {
            content: "Nothing else is",
            trigger: ".o_list_renderer:not(:has(.o_data_row:contains('+1 415-555-0102'))):not(:has(.o_data_row:contains('+1 415-555-0110'))):not(:has(.o_data_row:contains('+1 415-555-0112')))",
        },
    ],
});
