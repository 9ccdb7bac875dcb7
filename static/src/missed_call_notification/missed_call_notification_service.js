/** @odoo-module **/

import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

/**
 * The 5-minute rule: a missed call pops up for its salesperson wherever he is in Odoo,
 * with the caller's lead one click away and a button that calls the caller back.
 */
export const missedCallNotificationService = {
    dependencies: ["bus_service", "notification", "action", "orm"],
    start(env, { bus_service, notification, action, orm }) {
        bus_service.subscribe("crm_missed_call_textback/missed_call", (payload) => {
            const buttons = [];
            const close = () => closeNotification?.();
            if (payload.lead_id) {
                buttons.push({
                    name: _t("Open lead"),
                    primary: true,
                    onClick: () => {
                        close();
                        action.doAction({
                            type: "ir.actions.act_window",
                            res_model: "crm.lead",
                            res_id: payload.lead_id,
                            views: [[false, "form"]],
                            target: "current",
                        });
                    },
                });
            }
            if (payload.call_log_id) {
                buttons.push({
                    name: _t("Call back"),
                    icon: "fa-phone",
                    onClick: async () => {
                        close();
                        // From the business number through Twilio (or this device's dialer without it).
                        const result = await orm.call("crm.call.log", "action_call_back", [[payload.call_log_id]]);
                        await action.doAction(result);
                    },
                });
            }
            const closeNotification = notification.add(payload.message, {
                title: payload.title,
                type: "warning",
                sticky: true,
                className: "o_missed_call_notification",
                buttons,
            });
        });
        bus_service.start();
    },
};

registry.category("services").add("crm_missed_call_textback.missed_call_notification", missedCallNotificationService);
