/** @odoo-module **/

import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

import { MissedCallFilters, openCalls } from "./missed_call_tools";

/**
 * Peak times: missed calls per weekday and hour, every hour shown, each cell shaded by
 * its missed calls and opening them; hours are each line's own (its timezone named).
 */
export class MissedCallHeatMap extends Component {
    static template = "crm_missed_call_textback.MissedCallHeatMap";
    static props = ["*"];
    static components = { MissedCallFilters };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ days: 30, lineId: false, userId: false, data: null });
        onWillStart(() => this.load());
    }

    async load(changes = {}) {
        Object.assign(this.state, changes);
        this.state.data = await this.orm.call("crm.call.report", "get_missed_call_heat_map", [this.state.days], {
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

    get rows() {
        const { cells, weekdays, hours, max_missed: top } = this.state.data;
        return weekdays.map((weekday, day) => ({
            day,
            weekday,
            cells: cells[day].map((cell, hour) => {
                const share = top ? cell.missed / top : 0;
                return {
                    ...cell,
                    hour,
                    // Shaded by missed calls; a cell with calls but none missed stays light.
                    style: cell.missed
                        ? `background-color: rgba(220, 53, 69, ${(0.15 + 0.85 * share).toFixed(2)});` +
                          (share > 0.55 ? " color: white;" : "")
                        : cell.calls
                        ? "background-color: rgba(25, 135, 84, 0.12);"
                        : "",
                    title: _t("%(weekday)s, %(hour)s: %(missed)s missed of %(calls)s calls", {
                        weekday,
                        hour: hours[hour],
                        missed: cell.missed,
                        calls: cell.calls,
                    }),
                };
            }),
        }));
    }

    get timezoneLabel() {
        const zones = this.state.data.timezones;
        if (!zones.length) {
            return "";
        }
        return zones.length === 1
            ? _t("Hours in the line's time zone: %s", zones[0])
            : _t("Hours in each line's own time zone: %s", zones.join(", "));
    }

    openCell(row, cell) {
        if (!cell.calls) {
            return;
        }
        const [from, to] = this.state.data.period;
        const domain = [
            ["call_start", ">=", from],
            ["call_start", "<", to],
            ["call_weekday", "=", String(row.day)],
            ["call_hour", "=", cell.hour],
            ["direction", "=", "inbound"],
            ...this.state.data.filter_domain,
        ];
        domain.push(cell.missed ? ["status", "=", "missed"] : ["status", "!=", "ringing"]);
        return openCalls(this.action, cell.title, domain);
    }
}

registry.category("actions").add("crm_missed_call_heat_map", MissedCallHeatMap);
