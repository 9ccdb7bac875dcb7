/** @odoo-module **/

import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatMonetary } from "@web/views/fields/formatters";

import { formatDuration, formatShare, MissedCallFilters, openCalls, periodDomain } from "./missed_call_tools";

const TREND_HEIGHT = 120;

/**
 * The manager's view of missed calls: the brief's KPIs for the last 7, 30 or 90 days
 * against the period before, each opening the calls behind it; the calls and missed
 * calls per day (per week over 90 days); filters by line and salesperson.
 */
export class MissedCallDashboard extends Component {
    static template = "crm_missed_call_textback.MissedCallDashboard";
    static props = ["*"];
    static components = { MissedCallFilters };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ days: 7, lineId: false, userId: false, data: null });
        onWillStart(() => this.load());
    }

    async load(changes = {}) {
        Object.assign(this.state, changes);
        this.state.data = await this.orm.call("crm.call.report", "get_missed_call_dashboard", [this.state.days], {
            line_id: this.state.lineId || false,
            user_id: this.state.userId || false,
        });
    }

    onFilterChange(key, ev) {
        const value = parseInt(ev.target.value, 10);
        return this.load({ [key]: Number.isNaN(value) ? false : value });
    }

    onPeriodChange(days) {
        return this.load({ days });
    }

    get cards() {
        const { current, previous, currency_id: currencyId } = this.state.data;
        const money = (value) => formatMonetary(value, { currencyId, digits: [69, 0] });
        const count = (value) => String(value ?? 0);
        const card = (key, label, format, higherIsBetter, help, detail = "") => {
            const now = current[key];
            const before = previous[key];
            // No colour nor arrow without a figure to compare with (nothing before, or 0).
            // Neither good nor bad for a count that is no score (higherIsBetter null).
            const comparable = now !== null && before !== null && before !== 0 && now !== before;
            const judged = comparable && higherIsBetter !== null;
            return {
                key,
                label,
                help,
                detail,
                value: format(now),
                previous: format(before),
                trend: judged ? ((now > before) === higherIsBetter ? "text-success" : "text-danger") : "text-muted",
                arrow: comparable ? (now > before ? "▲" : "▼") : "",
            };
        };
        return [
            card("calls", _t("Calls"), count, null, _t("Every call to your lines, answered or missed")),
            card("missed_rate", _t("Missed Rate"), formatShare, false, _t("Share of calls nobody answered"),
                _t("%s missed", current.missed)),
            card("delivery_rate", _t("Text-Back Delivery"), formatShare, true, _t("Texts delivered among texts sent"),
                _t("%s sent", current.texts_sent)),
            card("response_rate", _t("Response Rate"), formatShare, true,
                _t("Missed callers who texted back or called again and got through")),
            card("callback_median_seconds", _t("Call-Back Speed (median)"), formatDuration, false,
                _t("From the missed call to the call-back"), _t("%s called back", current.called_back)),
            card("callback_in_time_rate", _t("Called Back Within 5 Minutes"), formatShare, true,
                _t("Share of missed calls called back within 5 minutes: those leads convert best"),
                current.callbacks_in_time === 1
                    ? _t("1 call")
                    : _t("%s calls", current.callbacks_in_time)),
            card("leads_won", _t("Missed-Call Leads Won"), count, true, _t("Leads from missed calls now won")),
            card("revenue_won", _t("Revenue Recovered"), money, true,
                _t("Expected revenue of the won leads that started with a missed call")),
        ];
    }

    get trend() {
        const points = this.state.data.trend.points;
        const top = Math.max(1, ...points.map((point) => point.calls));
        const width = 100 / Math.max(points.length, 1);
        const labelEvery = Math.ceil(points.length / 10);
        return points.map((point, index) => {
            const answered = point.calls - point.missed;
            return {
                ...point,
                index,
                x: index * width,
                width: width * 0.7,
                missedHeight: (point.missed / top) * TREND_HEIGHT,
                answeredHeight: (answered / top) * TREND_HEIGHT,
                showLabel: index % labelEvery === 0,
                title: _t("%(day)s: %(calls)s calls, %(missed)s missed", {
                    day: point.label,
                    calls: point.calls,
                    missed: point.missed,
                }),
            };
        });
    }

    get trendHeight() {
        return TREND_HEIGHT;
    }

    openCard(card) {
        const { period, filter_domain: filters, kpi_domains: kpiDomains } = this.state.data;
        const [from, to] = period.current;
        return openCalls(this.action, card.label, [...periodDomain(from, to), ...filters, ...kpiDomains[card.key]]);
    }

    openPoint(point) {
        return openCalls(this.action, point.title, [
            ...periodDomain(point.date_from, point.date_to),
            ...this.state.data.filter_domain,
        ]);
    }

    openAction(xmlid, context = {}) {
        this.action.doAction(xmlid, { additionalContext: context });
    }
}

registry.category("actions").add("crm_missed_call_dashboard", MissedCallDashboard);
