// Front desk (前台) at home, in the order of the desk's day: record a request (接待登记), dispatch
// the open repair requests to an engineer (派工), verify what engineers returned (核验), and the
// return visits (回访, return-visits.js). Every write goes through the outbox with a client UUID,
// so a request taken at a counter with a dead network is never lost.
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { REQUEST_CHANNELS, REQUEST_KINDS, WORK_ORDER_CATEGORIES, WORK_ORDER_PRIORITIES } from "../../api-enums.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { newUuid } from "../../session.js";
import { ListCard, LoadState, label, propertiesFor, queueAction, shortTime, useLoad } from "./common.js";
import { OrderList } from "./work-orders.js";
import { ReturnVisits } from "./return-visits.js";
import { queuedDispatches } from "./work-rules.js";
import { loadOutbox } from "../../outbox-status.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").WorkOrder} WorkOrder */
/** @typedef {import("../../types/contract").ServiceRequest} ServiceRequest */
/** @typedef {import("../../types/contract").RequestPage} RequestPage */
/** @typedef {import("../../types/contract").UserPage} UserPage */
/** @typedef {import("../../types/contract").RequestCreate} RequestCreate */
/** @typedef {import("../../types/contract").WorkOrderCreate} WorkOrderCreate */
/** @typedef {import("../../i18n.js").MessageKey} MessageKey */
/** @typedef {{ id: number, name: string }} PropertyRef */

const KINDS = REQUEST_KINDS;
// A request from a patrol finding is made by forwarding the finding, not typed at the desk.
const CHANNELS = REQUEST_CHANNELS.filter((c) => c !== "patrol_finding");
const CATEGORIES = WORK_ORDER_CATEGORIES;
const PRIORITIES = WORK_ORDER_PRIORITIES;

/** @param {{ user: User }} props */
export function FrontDeskPanel({ user }) {
  const properties = propertiesFor(user, "front_desk");
  return html`
    <div class="panel" data-testid="panel-front_desk">
      ${properties.map(
        (p) => html`<div key=${p.id}>
          <${Intake} user=${user} property=${p} />
          <${OpenRequests} user=${user} property=${p} />
          <${OrderList} user=${user} query="&open=true" property=${p} Actions=${DeskActions} title=${t("wo.open")} />
          <${OrderList} user=${user} query="&state=done" property=${p} Actions=${DeskActions} title=${t("desk.verifyTitle")} testid="desk-verify" empty=${t("desk.verifyNone")} />
          <${ReturnVisits} user=${user} property=${p} />
        </div>`,
      )}
    </div>
  `;
}

/** @type {Map<number, Promise<{ id: number, name: string }[]>>} */
const engineersOf = new Map();

/**
 * The property's engineers, read once per page (for every dispatch picker on it).
 * @param {number} propertyId
 */
function loadEngineers(propertyId) {
  let pending = engineersOf.get(propertyId);
  if (!pending) {
    pending = /** @type {Promise<UserPage>} */ (apiFetch(`/users?property_id=${propertyId}&role=engineer&limit=100`)).then((page) =>
      (page.items ?? []).filter((u) => u.active !== false).map((u) => ({ id: u.id ?? 0, name: u.display_name || u.username || `#${u.id}` })),
    );
    pending.catch(() => engineersOf.delete(propertyId));
    engineersOf.set(propertyId, pending);
  }
  return pending;
}

/** @param {(value: string) => void} set */
const onValue = (set) => (/** @type {Event} */ e) => set(/** @type {HTMLInputElement} */ (e.currentTarget).value);

/**
 * @template {string} V
 * @param {{ label: string, value: V, options: readonly V[], prefix: string, onChange: (v: V) => void, testid?: string }} props
 */
function Select({ label: text, value, options, prefix, onChange, testid }) {
  return html`<label class="field"><span class="field__label">${text}</span>
    <select class="field__input" value=${value} data-testid=${testid} onChange=${onValue((v) => onChange(/** @type {V} */ (v)))}>
      ${options.map((o) => html`<option key=${o} value=${o}>${label(prefix, o)}</option>`)}
    </select></label>`;
}

/** @param {{ user: User, property: PropertyRef }} props */
function Intake({ user, property }) {
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState(/** @type {typeof KINDS[number]} */ ("repair"));
  const [channel, setChannel] = useState(/** @type {typeof CHANNELS[number]} */ ("visit"));
  const [matter, setMatter] = useState("");
  const [ownerName, setOwnerName] = useState("");
  const [ownerPhone, setOwnerPhone] = useState("");
  const [place, setPlace] = useState("");
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const [saved, setSaved] = useState(false);

  async function submit() {
    if (!matter.trim()) return setProblem(t("desk.matterRequired"));
    setProblem(null);
    // Fields the server defaults come out required in the generated type; they are left out here.
    /** @type {Partial<RequestCreate>} */
    const body = {
      property_id: property.id,
      kind,
      channel,
      matter: matter.trim(),
      owner_name: ownerName.trim(),
      owner_phone: ownerPhone.trim(),
      place_text: place.trim(),
      received_at: new Date().toISOString(),
    };
    await queueAction(user, { client_id: newUuid(), url: "/requests", body, label: `${t("desk.intakeTitle")} ${matter.trim().slice(0, 20)}` });
    setMatter("");
    setOwnerName("");
    setOwnerPhone("");
    setPlace("");
    setSaved(true);
    setOpen(false);
  }

  return html`
    <section class="card card--panel" data-testid="desk-intake">
      <h3 class="card__title">${t("desk.intakeTitle")} · ${property.name}</h3>
      ${saved && html`<p class="notice" role="status" data-testid="intake-queued">${t("panel.queued")}</p>`}
      ${open
        ? html`<div class="form">
            <${Select} label=${t("desk.kind")} value=${kind} options=${KINDS} prefix="desk.kind" onChange=${setKind} testid="intake-kind" />
            <${Select} label=${t("desk.channel")} value=${channel} options=${CHANNELS} prefix="desk.channel" onChange=${setChannel} />
            <label class="field"><span class="field__label">${t("desk.matter")}</span>
              <textarea class="field__input" rows="3" maxlength="2000" value=${matter} data-testid="intake-matter" onInput=${onValue(setMatter)}></textarea></label>
            <label class="field"><span class="field__label">${t("desk.place")}</span>
              <input class="field__input" maxlength="200" value=${place} data-testid="intake-place" onInput=${onValue(setPlace)} /></label>
            <label class="field"><span class="field__label">${t("desk.ownerName")}</span>
              <input class="field__input" maxlength="100" value=${ownerName} onInput=${onValue(setOwnerName)} /></label>
            <label class="field"><span class="field__label">${t("desk.ownerPhone")}</span>
              <input class="field__input" type="tel" inputmode="tel" maxlength="40" value=${ownerPhone} data-testid="intake-phone" onInput=${onValue(setOwnerPhone)} /></label>
            ${problem && html`<p class="form__error" role="alert">${problem}</p>`}
            <div class="actions-2">
              <button type="button" class="btn btn--ghost" onClick=${() => setOpen(false)}>${t("review.cancel")}</button>
              <button type="button" class="btn btn--primary" onClick=${submit} data-testid="intake-submit">${t("desk.intakeSave")}</button>
            </div>
          </div>`
        : html`<button type="button" class="btn btn--primary btn--block" onClick=${() => { setOpen(true); setSaved(false); }} data-testid="intake-open">${t("desk.intakeNew")}</button>`}
    </section>
  `;
}

/**
 * Engineer picker plus a confirm button; the list is the property's engineers.
 * @param {{ propertyId: number, busyLabel?: string, onPick: (engineerId: number) => Promise<void> | void, testid: string }} props
 */
function EngineerPicker({ propertyId, onPick, testid }) {
  const state = useLoad(() => loadEngineers(propertyId), [propertyId]);
  const [chosen, setChosen] = useState("");
  const engineers = state.data ?? [];
  const value = chosen || String(engineers[0]?.id ?? "");
  return html`<div class="form">
    <${LoadState} state=${state} />
    ${state.data && engineers.length === 0 && html`<p class="card__meta">${t("desk.noEngineers")}</p>`}
    ${engineers.length > 0 &&
    html`<label class="field"><span class="field__label">${t("desk.engineer")}</span>
        <select class="field__input" value=${value} data-testid=${`${testid}-engineer`} onChange=${onValue(setChosen)}>
          ${engineers.map((e) => html`<option key=${e.id} value=${String(e.id)}>${e.name}</option>`)}
        </select></label>
      <button type="button" class="btn btn--primary btn--block" onClick=${() => onPick(Number(value))} data-testid=${`${testid}-submit`}>${t("desk.dispatch")}</button>`}
  </div>`;
}

/** @param {{ user: User, property: PropertyRef }} props */
function OpenRequests({ user, property }) {
  const state = useLoad(async () => {
    const [page, items] = await Promise.all([
      /** @type {Promise<RequestPage>} */ (apiFetch(`/requests?property_id=${property.id}&state=open&limit=20`)),
      // The outbox is a help here, not a need: without it, the server's list still speaks.
      loadOutbox().then((r) => r.outbox.items()).catch(() => []),
    ]);
    return { page, queued: queuedDispatches(items) };
  }, [property.id]);
  const requests = state.data?.page.items ?? [];
  return html`
    <${ListCard} testid="desk-requests" title=${`${t("desk.requestsTitle")} · ${property.name}`} state=${state}
      note=${requests.length === 0 ? t("desk.requestsNone") : null}>
      ${requests.map((r) => html`<${RequestRow} key=${r.id} user=${user} request=${r} property=${property} queued=${state.data?.queued.has(r.id ?? 0) ?? false} />`)}
    </${ListCard}>
  `;
}

/**
 * An open request; 派工 only while it has no work order, on the server (`work_order_ids`) or
 * queued on this phone (`queued`).
 * @param {{ user: User, request: ServiceRequest, property: PropertyRef, queued: boolean }} props
 */
function RequestRow({ user, request, property, queued }) {
  const [open, setOpen] = useState(false);
  const [category, setCategory] = useState(/** @type {typeof CATEGORIES[number]} */ ("other"));
  const [priority, setPriority] = useState(/** @type {typeof PRIORITIES[number]} */ ("normal"));
  const [done, setDone] = useState(false);
  const orders = request.work_order_ids ?? [];

  /** @param {number} engineerId */
  async function dispatch(engineerId) {
    /** @type {Partial<WorkOrderCreate>} */
    const body = {
      property_id: property.id,
      request_id: request.id,
      category,
      priority,
      description: request.matter ?? "",
      ...(request.place_text ? { place_text: request.place_text } : {}),
      ...(request.unit_id ? { unit_id: request.unit_id } : {}),
      assignee_id: engineerId,
    };
    await queueAction(user, { client_id: newUuid(), url: "/workorders", body, label: `${t("desk.dispatch")} ${(request.matter ?? "").slice(0, 20)}` });
    setDone(true);
  }

  return html`<li data-testid="desk-request" data-request-id=${request.id}>
    <strong>${label("desk.kind", request.kind)} · ${request.matter}</strong>
    <span class="card__meta">${shortTime(request.received_at)}${request.place_text ? ` · ${request.place_text}` : ""}${request.owner_name ? ` · ${request.owner_name}` : ""}</span>
    ${orders.length > 0
      ? html`<p class="card__meta" data-testid="request-has-order">${t("desk.hasOrder", { ids: orders.map((id) => `#${id}`).join(" ") })}</p>`
      : done || queued
      ? html`<p class="notice" role="status" data-testid="request-dispatched">${t("desk.dispatched")} · ${t("panel.queued")}</p>`
      : open
        ? html`<div class="form">
            <${Select} label=${t("desk.category")} value=${category} options=${CATEGORIES} prefix="wo.category" onChange=${setCategory} testid="dispatch-category" />
            <${Select} label=${t("desk.priority")} value=${priority} options=${PRIORITIES} prefix="wo.priority" onChange=${setPriority} testid="dispatch-priority" />
            <${EngineerPicker} propertyId=${property.id} onPick=${dispatch} testid="dispatch" />
          </div>`
        : request.kind !== "inquiry" &&
          html`<button type="button" class="btn btn--secondary btn--block" onClick=${() => setOpen(true)} data-testid="request-dispatch">${t("desk.dispatch")}</button>`}
  </li>`;
}

/**
 * The desk's actions on a listed order: assign a new (or returned) one, verify a done one.
 * @param {import("./work-orders.js").OrderActionsProps} props
 */
function DeskActions({ user, order, onState }) {
  const [step, setStep] = useState(/** @type {"idle" | "assign" | "reject" | "sent"} */ ("idle"));
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));

  /** @param {"assign" | "verify" | "reject"} action @param {object | undefined} body @param {string} next */
  async function send(action, body, next) {
    await queueAction(user, {
      url: `/workorders/${order.id}/${action}`,
      ...(body ? { body } : {}),
      // The listed ETag is the single GET's; none (an older server) → 428, shown on the outbox screen.
      ...(order.etag ? { headers: { "If-Match": order.etag } } : {}),
      id_in: "header", // assign / verify / reject bodies have no client_id
      label: `${t(/** @type {MessageKey} */ (`desk.action.${action}`))} #${order.id}`,
    });
    setStep("sent");
    onState(next);
  }

  if (step === "sent") return html`<p class="notice" role="status" data-testid="desk-action-queued">${t("panel.queued")}</p>`;
  if (order.state === "new") {
    return step === "assign"
      ? html`<${EngineerPicker} propertyId=${order.property_id ?? 0} onPick=${(/** @type {number} */ id) => send("assign", { assignee_id: id }, "assigned")} testid="assign" />`
      : html`<button type="button" class="btn btn--secondary btn--block" onClick=${() => setStep("assign")} data-testid="order-assign">${t("desk.dispatch")}</button>`;
  }
  if (order.state !== "done") return null;
  if (step === "reject") {
    return html`<div class="form">
      <label class="field"><span class="field__label">${t("desk.rejectReason")}</span>
        <input class="field__input" maxlength="500" value=${reason} data-testid="verify-reason" onInput=${onValue(setReason)} /></label>
      ${problem && html`<p class="form__error" role="alert">${problem}</p>`}
      <div class="actions-2">
        <button type="button" class="btn btn--ghost" onClick=${() => setStep("idle")}>${t("review.cancel")}</button>
        <button type="button" class="btn btn--danger" data-testid="verify-reject-confirm"
          onClick=${() => (reason.trim() ? send("reject", { reason: reason.trim() }, "rework") : setProblem(t("review.reasonRequired")))}>${t("desk.action.reject")}</button>
      </div>
    </div>`;
  }
  return html`<div class="actions-2">
    <button type="button" class="btn btn--primary" onClick=${() => send("verify", undefined, "verified")} data-testid="order-verify">${t("desk.action.verify")}</button>
    <button type="button" class="btn btn--ghost" onClick=${() => setStep("reject")} data-testid="order-reject">${t("desk.action.reject")}</button>
  </div>`;
}
