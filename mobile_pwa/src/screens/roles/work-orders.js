// Engineer (工程维修) and front desk (前台) at home: work orders, read-only for now. An engineer sees
// the open orders assigned to them; the front desk sees every open order of the property. Both
// sorted the way the work is done: priority first, then the earliest completion deadline.
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { hasMessage, t } from "../../i18n.js";
import { ownerIdOf } from "../../session.js";
import { LoadState, propertiesFor, shortTime, useLoad } from "./common.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").WorkOrder} WorkOrder */
/** @typedef {import("../../types/contract").WorkOrderPage} WorkOrderPage */
/** @typedef {import("../../i18n.js").MessageKey} MessageKey */

const PRIORITY = ["urgent", "high", "normal", "low"];

/**
 * Priority (unknown last), then completion deadline (none last), then oldest first.
 * @param {WorkOrder} a
 * @param {WorkOrder} b
 */
export function byUrgency(a, b) {
  const rank = (/** @type {WorkOrder} */ o) => {
    const i = PRIORITY.indexOf(o.priority ?? "");
    return i === -1 ? PRIORITY.length : i;
  };
  const due = (/** @type {WorkOrder} */ o) => (o.completion_due_at ? Date.parse(o.completion_due_at) : Infinity);
  return rank(a) - rank(b) || due(a) - due(b) || (a.id ?? 0) - (b.id ?? 0);
}

/** @param {string} prefix @param {string | null | undefined} value */
function label(prefix, value) {
  const key = `${prefix}.${value}`;
  return value && hasMessage(key) ? t(/** @type {MessageKey} */ (key)) : value ?? "";
}

/** @param {{ user: User, role: "engineer" | "front_desk" }} props */
function WorkOrdersPanel({ user, role }) {
  const properties = propertiesFor(user, role);
  return html`
    <div class="panel" data-testid=${`panel-${role}`}>
      ${properties.map((p) => html`<${OrderList} key=${p.id} user=${user} role=${role} property=${p} />`)}
    </div>
  `;
}

/** @param {{ user: User }} props */
export function EngineerPanel({ user }) {
  return html`<${WorkOrdersPanel} user=${user} role="engineer" />`;
}

/** @param {{ user: User }} props */
export function FrontDeskPanel({ user }) {
  return html`<${WorkOrdersPanel} user=${user} role="front_desk" />`;
}

/** @param {{ user: User, role: "engineer" | "front_desk", property: { id: number, name: string } }} props */
function OrderList({ user, role, property }) {
  const me = ownerIdOf(user);
  const mine = role === "engineer" && typeof me === "number" ? `&assignee_id=${me}` : "";
  const state = useLoad(
    () => /** @type {Promise<WorkOrderPage>} */ (apiFetch(`/workorders?property_id=${property.id}&open=true${mine}&limit=50`)),
    [property.id, mine],
  );
  const orders = [...(state.data?.items ?? [])].sort(byUrgency);
  return html`
    <section class="card card--panel" data-testid="work-orders">
      <h3 class="card__title">${role === "engineer" ? t("wo.mine") : t("wo.open")} · ${property.name}</h3>
      <${LoadState} state=${state} />
      ${state.data && orders.length === 0 && html`<p class="card__meta">${t("wo.none")}</p>`}
      <ul class="plain-list">
        ${orders.map(
          (o) => html`<li key=${o.id} data-testid="work-order">
            <strong><span class=${`prio prio--${o.priority}`}>${label("wo.priority", o.priority)}</span> ${o.description || o.category || `#${o.id}`}</strong>
            <span class="card__meta">${label("wo.state", o.state)}${o.place_text ? ` · ${o.place_text}` : ""}</span>
            ${o.completion_due_at &&
            html`<span class=${o.completion_overdue ? "flag" : "card__meta"}>${o.completion_overdue ? `${t("wo.overdue")} · ` : ""}${t("wo.due", { time: shortTime(o.completion_due_at) })}</span>`}
          </li>`,
        )}
      </ul>
      <p class="card__body"><span class="badge">${t("home.comingSoon")}</span> ${role === "engineer" ? t("wo.comingEngineer") : t("wo.comingFrontDesk")}</p>
    </section>
  `;
}
