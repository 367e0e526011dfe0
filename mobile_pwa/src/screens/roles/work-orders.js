// Work-order lists: the engineer's own open orders with their next step (accept, arrive, complete
// with an after-photo — engineer-steps.js), and the same list for the front desk, whose actions
// (dispatch, verification) are given by front-desk.js. Both sorted the way the work is done:
// priority first, then the earliest completion deadline.
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { WORK_ORDER_PRIORITIES } from "../../api-enums.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { ownerIdOf } from "../../session.js";
import { ListCard, label, propertiesFor, shortTime, useLoad } from "./common.js";
import { EngineerSteps } from "./engineer-steps.js";
import { queuedSteps } from "./work-rules.js";
import { loadOutbox } from "../../outbox-status.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").WorkOrder} WorkOrder */
/** @typedef {import("../../types/contract").WorkOrderPage} WorkOrderPage */
/** @typedef {import("../../i18n.js").MessageKey} MessageKey */
/** @typedef {ReturnType<typeof queuedSteps> extends Map<number, infer V> ? V : never} QueuedStep */
/** @typedef {{ user: User, order: WorkOrder, pending?: QueuedStep | null, propertyName: string, onState: (state: string) => void }} OrderActionsProps */
/** @typedef {import("preact").FunctionComponent<OrderActionsProps>} OrderActions */

/** @type {readonly string[]} */
const PRIORITY = WORK_ORDER_PRIORITIES; // most urgent first: the server's order

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

/** @param {{ user: User }} props */
export function EngineerPanel({ user }) {
  const properties = propertiesFor(user, "engineer");
  return html`
    <div class="panel" data-testid="panel-engineer">
      ${properties.map((p) => html`<${OrderList} key=${p.id} user=${user} query=${mineQuery(user)} property=${p} Actions=${EngineerSteps} title=${t("wo.mine")} empty=${t("wo.mineNone")} />`)}
    </div>
  `;
}

/** The engineer's open orders: `&open=true&assignee_id=<me>`. @param {User} user */
function mineQuery(user) {
  const me = ownerIdOf(user);
  return `&open=true${typeof me === "number" ? `&assignee_id=${me}` : ""}`;
}

/**
 * Orders of a property matching `query` (e.g. `&open=true`, `&state=done`), each with the role's
 * actions.
 * @param {{ user: User, query: string, property: { id: number, name: string }, Actions: OrderActions, title: string, testid?: string, empty?: string }} props
 */
export function OrderList({ user, query, property, Actions, title, testid = "work-orders", empty }) {
  const state = useLoad(async () => {
    const [page, items] = await Promise.all([
      /** @type {Promise<WorkOrderPage>} */ (apiFetch(`/workorders?property_id=${property.id}${query}&limit=50`)),
      // Steps still queued on this phone (a help, not a need: without them the server's list speaks).
      loadOutbox().then((r) => r.outbox.items()).catch(() => []),
    ]);
    return { ...page, queued: queuedSteps(items) };
  }, [property.id, query]);
  const orders = [...(state.data?.items ?? [])].sort(byUrgency);
  const queued = state.data?.queued;
  return html`
    <${ListCard} testid=${testid} title=${`${title} · ${property.name}`} state=${state} note=${orders.length === 0 ? empty ?? t("wo.none") : null}>
      ${orders.map((o) => html`<${OrderRow} key=${o.id} user=${user} order=${o} pending=${queued?.get(o.id ?? 0) ?? null} propertyName=${property.name} Actions=${Actions} />`)}
    </${ListCard}>
  `;
}

/** @param {{ user: User, order: WorkOrder, pending: QueuedStep | null, propertyName: string, Actions: OrderActions }} props */
function OrderRow({ user, order, pending, propertyName, Actions }) {
  // The state shown follows the steps queued on this phone, before the server has them.
  const [state, setState] = useState(pending?.state ?? order.state ?? "");
  const o = order;
  return html`<li data-testid="work-order" data-order-id=${o.id} data-state=${state}>
    <strong><span class=${`prio prio--${o.priority}`}>${label("wo.priority", o.priority)}</span> ${o.description || o.category || `#${o.id}`}</strong>
    <span class="card__meta">#${o.id} · ${label("wo.state", state)}${o.place_text ? ` · ${o.place_text}` : ""}</span>
    ${o.completion_due_at &&
    html`<span class=${o.completion_overdue ? "flag" : "card__meta"}>${o.completion_overdue ? `${t("wo.overdue")} · ` : ""}${t("wo.due", { time: shortTime(o.completion_due_at) })}</span>`}
    <${Actions} user=${user} order=${o} pending=${pending} propertyName=${propertyName} onState=${setState} />
  </li>`;
}
