/** @odoo-module **/

import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

function percent(value) {
    return value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`;
}

function duration(seconds) {
    if (seconds === null || seconds === undefined) {
        return "–";
    }
    const minutes = Math.floor(seconds / 60);
    return minutes ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.round(seconds)} s`;
}

/**
 * The manager's view of missed calls: the brief's four KPIs, call-back speed and
 * leads won, for the last 7, 30 or 90 days against the period before.
 */
export class MissedCallDashboard extends Component {
    static template = "crm_missed_call_textback.MissedCallDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ days: 7, data: null });
        onWillStart(() => this.load(7));
    }

    async load(days) {
        this.state.data = await this.orm.call("crm.call.report", "get_missed_call_dashboard", [days]);
        this.state.days = days;
    }

    get cards() {
        const { current, previous, currency_symbol } = this.state.data;
        const money = (value) => `${currency_symbol}${Math.round(value).toLocaleString()}`;
        const card = (key, label, format, higherIsBetter, help) => {
            const now = current[key];
            const before = previous[key];
            let trend = "";
            if (now !== null && before !== null && now !== before) {
                const better = (now > before) === higherIsBetter;
                trend = better ? "text-success" : "text-danger";
            }
            return {
                key,
                label,
                help,
                value: format(now),
                previous: format(before),
                trend,
                arrow: now === null || before === null || now === before ? "" : now > before ? "▲" : "▼",
            };
        };
        return [
            card("calls", _t("Calls"), String, true, _t("Every call to your lines, answered or missed")),
            card("missed_rate", _t("Missed Rate"), percent, false, _t("Share of calls nobody answered")),
            card("delivery_rate", _t("Text-Back Delivery"), percent, true, _t("Texts delivered among texts sent")),
            card("response_rate", _t("Response Rate"), percent, true,
                _t("Missed callers who texted back or called again and got through")),
            card("callback_median_seconds", _t("Call-Back Speed (median)"), duration, false,
                _t("From the missed call to the call-back")),
            card("callbacks_in_time", _t("Called Back Within 5 Minutes"), String, true,
                _t("Leads called back this fast convert best")),
            card("leads_won", _t("Missed-Call Leads Won"), String, true, _t("Leads from missed calls now won")),
            card("revenue_won", _t("Revenue Recovered"), money, true,
                _t("Expected revenue of the won leads that started with a missed call")),
        ];
    }

    openAction(xmlid, context = {}) {
        this.action.doAction(xmlid, { additionalContext: context });
    }
}

registry.category("actions").add("crm_missed_call_dashboard", MissedCallDashboard);
