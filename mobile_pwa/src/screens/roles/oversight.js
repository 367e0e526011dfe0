// What a supervisor (客服主管) must chase today, per property they supervise: patrol runs that are
// late or were missed (the patrol day board), renovation notices past their deadline, and work
// orders past their response or completion deadline. Read-only: each line names who and where,
// so a call can be made; the review queue and the phones with unsent photos are in supervisor.js.
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { getLocale, t } from "../../i18n.js";
import { LoadState, clockTime, label, shortTime, useLoad } from "./common.js";
import { byOverdue, lateOrMissed } from "./work-rules.js";

/** @typedef {import("../../types/contract").DayBoard} DayBoard */
/** @typedef {import("../../types/contract").OpenNoticeList} OpenNoticeList */
/** @typedef {import("../../types/contract").WorkOrderPage} WorkOrderPage */
/** @typedef {import("../../i18n.js").MessageKey} MessageKey */

/** @param {{ property: { id: number, name: string } }} props */
export function Oversight({ property }) {
  const state = useLoad(async () => {
    const [board, notices, orders] = await Promise.all([
      /** @type {Promise<DayBoard>} */ (apiFetch(`/patrol/properties/${property.id}/board`)),
      /** @type {Promise<OpenNoticeList>} */ (apiFetch(`/renovation/open-notices?property_id=${property.id}&overdue=true`)),
      /** @type {Promise<WorkOrderPage>} */ (apiFetch(`/workorders?property_id=${property.id}&overdue=true&limit=100`)),
    ]);
    return { scheduled: (board.windows ?? []).length, runs: lateOrMissed(board.windows ?? []), notices: notices.items ?? [], orders: byOverdue(orders.items ?? []) };
  }, [property.id]);
  const zh = getLocale() === "zh-CN";
  const d = state.data;
  return html`
    <section class="card card--panel" data-testid="oversight">
      <h3 class="card__title">${t("oversight.title")} · ${property.name}</h3>
      <${LoadState} state=${state} />
      ${d &&
      html`
        <h4 class="panel__subtitle">${t("oversight.runs", { count: d.runs.length })}</h4>
        ${d.runs.length === 0 && html`<p class="card__meta" data-testid="late-runs-empty">${d.scheduled === 0 ? t("oversight.noRounds") : t("oversight.runsNone")}</p>`}
        <ul class="plain-list" data-testid="late-runs">
          ${d.runs.map(
            (w) => html`<li key=${`${w.route_id}-${w.window_start}`} data-testid="late-run">
              <strong><span class=${w.status === "missed" ? "prio prio--urgent" : "prio prio--high"}>${t(/** @type {MessageKey} */ (w.status === "missed" ? "oversight.missed" : "oversight.late"))}</span>
                ${zh || !w.route_name_en ? w.route_name_zh : w.route_name_en}</strong>
              <span class="card__meta">${w.route_code} · ${clockTime(w.window_start)}–${clockTime(w.window_end)}${w.deadline ? ` · ${t("oversight.deadline", { time: shortTime(w.deadline) })}` : ""}</span>
            </li>`,
          )}
        </ul>
        <h4 class="panel__subtitle">${t("oversight.notices", { count: d.notices.length })}</h4>
        ${d.notices.length === 0 && html`<p class="card__meta">${t("oversight.noticesNone")}</p>`}
        <ul class="plain-list" data-testid="overdue-notices">
          ${d.notices.map(
            (n) => html`<li key=${n.id} data-testid="overdue-notice">
              <strong>${n.serial || `#${n.id}`} · ${n.unit_label}</strong>
              <span class="flag">${t("oversight.noticeDue", { time: shortTime(n.deadline_at ?? n.deadline) })}${n.stop_work ? ` · ${t("notice.stopWork")}` : ""}</span>
            </li>`,
          )}
        </ul>
        <h4 class="panel__subtitle">${t("oversight.orders", { count: d.orders.length })}</h4>
        ${d.orders.length === 0 && html`<p class="card__meta">${t("oversight.ordersNone")}</p>`}
        <ul class="plain-list" data-testid="overdue-orders">
          ${d.orders.map(
            (o) => html`<li key=${o.id} data-testid="overdue-order" data-order-id=${o.id}>
              <strong><span class=${`prio prio--${o.priority}`}>${label("wo.priority", o.priority)}</span> ${o.description || `#${o.id}`}</strong>
              <span class="card__meta">#${o.id} · ${label("wo.state", o.state)}${o.place_text ? ` · ${o.place_text}` : ""}</span>
              <span class="flag">${o.response_overdue ? t("oversight.responseLate", { time: shortTime(o.response_due_at) }) : t("oversight.completionLate", { time: shortTime(o.completion_due_at) })}</span>
            </li>`,
          )}
        </ul>
      `}
    </section>
  `;
}
