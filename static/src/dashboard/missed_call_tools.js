/** @odoo-module **/

import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";

/** The period, line and salesperson filters of the dashboard and the heat map. */
export class MissedCallFilters extends Component {
    static template = "crm_missed_call_textback.MissedCallFilters";
    static props = {
        data: Object,
        onFilterChange: Function,
        onPeriodChange: Function,
    };
}

/** A share as people read it: "46%", or "–" when it does not apply. */
export function formatShare(value) {
    return value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`;
}

/** A duration as people read it: "45 s", "3 min 12 s", "15 min", "2 h 5 min". */
export function formatDuration(seconds) {
    if (seconds === null || seconds === undefined) {
        return "–";
    }
    const total = Math.max(Math.round(seconds), 0);
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const rest = total % 60;
    if (hours) {
        return minutes ? _t("%(hours)s h %(minutes)s min", { hours, minutes }) : _t("%s h", hours);
    }
    if (minutes) {
        return rest ? _t("%(minutes)s min %(seconds)s s", { minutes, seconds: rest }) : _t("%s min", minutes);
    }
    return _t("%s s", rest);
}

/** The calls behind a figure: the call log, filtered by ``domain``. */
export function openCalls(actionService, name, domain) {
    return actionService.doAction({
        type: "ir.actions.act_window",
        name,
        res_model: "crm.call.log",
        views: [
            [false, "list"],
            [false, "form"],
        ],
        domain,
        context: { create: false },
        target: "current",
    });
}

/** The domain of calls started in [dateFrom, dateTo) (UTC strings), finished ones only. */
export function periodDomain(dateFrom, dateTo) {
    return [
        ["call_start", ">=", dateFrom],
        ["call_start", "<", dateTo],
        ["status", "!=", "ringing"],
        ["direction", "=", "inbound"],
    ];
}
