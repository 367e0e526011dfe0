// Shift handover (交接班, #/handover/<property id>): the outgoing person records who takes over
// (picked from the property's duty staff, components/staff-picker.js; typed as the fallback),
// what is handed over (keys, radios, the duty camera and phone, owners' deposited items, with
// counts) and the open matters; then each confirms with their own login — the outgoing person
// first, the incoming one on their phone. This phone is the outgoing device, so the server checks
// its un-uploaded photos and records any that remain at completion as the exception.
// Recording and confirming go through the outbox; a confirmation needs the handover's server id,
// so it is offered from the list (a handover recorded offline appears there once it is sent).
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { apiFetch } from "../api.js";
import { t } from "../i18n.js";
import { deviceId, ownerIdOf } from "../session.js";
import { ListCard, label, queueAction, shortTime, useLoad } from "./roles/common.js";
import { StaffPicker } from "../components/staff-picker.js";
import { HANDOVER_KINDS, etagOf, handoverBody, handoverProblems, handoverStep } from "./roles/duty-rules.js";

/** @typedef {import("../types/contract").User} User */
/** @typedef {import("../types/contract").Handover} Handover */
/** @typedef {import("../types/contract").HandoverPage} HandoverPage */
/** @typedef {import("./roles/duty-rules.js").HandoverForm} HandoverForm */
/** @typedef {import("../i18n.js").MessageKey} MessageKey */

/** @returns {HandoverForm} */
const blank = () => ({
  incoming: "",
  shift: "",
  items: [
    { kind: "key", count: "1", description: "" },
    { kind: "radio", count: "1", description: "" },
    { kind: "duty_camera", count: "1", description: "" },
  ],
  matters: "",
});

/** @param {User} user */
const myId = (user) => (typeof user.id === "number" ? user.id : null);

/** @param {{ user: User, propertyId: number }} props */
export function HandoverScreen({ user, propertyId }) {
  const [round, setRound] = useState(0);
  const [queued, setQueued] = useState(false);
  const propertyName = user.assignments?.find((a) => a.property_id === propertyId)?.property_name ?? `#${propertyId}`;
  return html`
    <section class="screen" data-testid="handover">
      <h1 class="screen__title">${t("ho.title")} · ${propertyName}</h1>
      ${queued && html`<p class="notice" role="status" data-testid="ho-saved">${t("ho.saved")}</p>`}
      <${HandoverList} user=${user} propertyId=${propertyId} round=${round} />
      <${HandoverForm} user=${user} propertyId=${propertyId} onQueued=${() => {
        setQueued(true);
        setRound((n) => n + 1);
      }} />
      <a class="btn btn--ghost btn--block" href="#/">${t("app.backHome")}</a>
    </section>
  `;
}

/** @param {{ user: User, propertyId: number, onQueued: () => void }} props */
function HandoverForm({ user, propertyId, onQueued }) {
  const [form, setForm] = useState(blank);
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const me = myId(user);

  /** @param {number} index @param {Partial<HandoverForm["items"][number]>} change */
  const setItem = (index, change) => setForm((f) => ({ ...f, items: f.items.map((it, i) => (i === index ? { ...it, ...change } : it)) }));
  /** @param {Event} e */
  const value = (e) => /** @type {HTMLInputElement} */ (e.currentTarget).value;

  async function save() {
    const missing = handoverProblems(form, me);
    if (missing.length > 0 || me === null) return setProblem(t(/** @type {MessageKey} */ (`ho.missing.${missing[0] ?? "incoming"}`)));
    setProblem(null);
    await queueAction(user, {
      url: `/patrol/properties/${propertyId}/handovers`,
      body: handoverBody(form, me, deviceId()),
      label: `${t("ho.title")} → #${form.incoming.trim()}`,
    });
    setForm(blank());
    onQueued();
  }

  return html`
    <div class="form card card--panel" data-testid="ho-form">
      <h3 class="card__title">${t("ho.new")}</h3>
      <${StaffPicker} userId=${ownerIdOf(user)} propertyId=${propertyId} exclude=${me} value=${form.incoming}
        onChange=${(/** @type {string} */ incoming) => setForm((f) => ({ ...f, incoming }))} typedLabel=${t("ho.incoming")} testid="ho-incoming" />
      <label class="field"><span class="field__label">${t("ho.shift")}</span>
        <input class="field__input" maxlength="60" value=${form.shift} placeholder=${t("ho.shiftHint")} data-testid="ho-shift"
          onInput=${(/** @type {Event} */ e) => setForm({ ...form, shift: value(e) })} /></label>
      <p class="field__label">${t("ho.items")}</p>
      <ul class="plain-list">
        ${form.items.map(
          (it, i) => html`<li key=${i} class="ho-item" data-testid="ho-item">
            <select class="field__input" value=${it.kind} aria-label=${t("ho.kind")} onChange=${(/** @type {Event} */ e) => setItem(i, { kind: /** @type {any} */ (value(e)) })}>
              ${HANDOVER_KINDS.map((k) => html`<option key=${k} value=${k}>${label("ho.kind", k)}</option>`)}
            </select>
            <input class="field__input" inputmode="numeric" value=${it.count} aria-label=${t("ho.count")} data-testid="ho-item-count"
              onInput=${(/** @type {Event} */ e) => setItem(i, { count: value(e) })} />
            <input class="field__input" maxlength="200" value=${it.description} placeholder=${t("ho.itemNote")} data-testid="ho-item-note"
              onInput=${(/** @type {Event} */ e) => setItem(i, { description: value(e) })} />
            <button type="button" class="btn btn--ghost" onClick=${() => setForm({ ...form, items: form.items.filter((_, j) => j !== i) })}>${t("ho.removeItem")}</button>
          </li>`,
        )}
      </ul>
      <button type="button" class="btn btn--secondary btn--block" data-testid="ho-add-item"
        onClick=${() => setForm({ ...form, items: [...form.items, { kind: "deposited_item", count: "1", description: "" }] })}>${t("ho.addItem")}</button>
      <label class="field"><span class="field__label">${t("ho.matters")}</span>
        <textarea class="field__input" rows="3" maxlength="5000" value=${form.matters} data-testid="ho-matters"
          onInput=${(/** @type {Event} */ e) => setForm({ ...form, matters: value(e) })}></textarea></label>
      ${problem && html`<p class="form__error" role="alert">${problem}</p>`}
      <button type="button" class="btn btn--primary btn--block" onClick=${save} data-testid="ho-save">${t("ho.save")}</button>
    </div>
  `;
}

/** @param {{ user: User, propertyId: number, round: number }} props */
function HandoverList({ user, propertyId, round }) {
  const state = useLoad(
    () => /** @type {Promise<HandoverPage>} */ (apiFetch(`/patrol/properties/${propertyId}/handovers?limit=10`)),
    [propertyId, round],
  );
  const me = myId(user);
  const items = (state.data?.items ?? []).filter((h) => h.state !== "completed" || h.outgoing_user_id === me || h.incoming_user_id === me);
  return html`
    <${ListCard} testid="ho-list" title=${t("ho.listTitle")} state=${state} note=${items.length === 0 ? t("ho.none") : null}>
      ${items.map((h) => html`<${HandoverRow} key=${h.id} user=${user} handover=${h} />`)}
    </${ListCard}>
  `;
}

/** @param {{ user: User, handover: Handover }} props */
function HandoverRow({ user, handover: h }) {
  const [done, setDone] = useState(false);
  const step = handoverStep(h, myId(user));
  const waiting = h.pending_now?.length ?? 0;

  async function confirm() {
    await queueAction(user, {
      url: `/patrol/handovers/${h.id}/confirm`,
      body: step === "confirm_outgoing" ? { device_id: deviceId() } : {},
      headers: { "If-Match": etagOf("patrol_handovers", h) },
      id_in: "header", // HandoverConfirm has no client_id field
      label: t(step === "confirm_outgoing" ? "ho.confirmOut" : "ho.confirmIn"),
    });
    setDone(true);
  }

  return html`<li data-testid="ho-row" data-handover-id=${h.id} data-state=${h.state}>
    <strong>#${h.outgoing_user_id} → #${h.incoming_user_id}${h.shift ? ` · ${h.shift}` : ""}</strong>
    <span class="card__meta">${label("ho.state", h.state)} · ${shortTime(h.created_at)}</span>
    <span class="card__meta">${(h.items ?? []).map((i) => `${label("ho.kind", i.kind)}×${i.count}`).join("，")}</span>
    ${(h.open_matters ?? []).map((m, i) => html`<span key=${i} class="card__meta">• ${m}</span>`)}
    ${h.state !== "completed" && waiting > 0 && html`<p class="notice notice--warn">${t("ho.pendingNow", { count: waiting })}</p>`}
    ${h.state === "completed" &&
    html`<p class=${(h.pending_photo_count ?? 0) > 0 ? "notice notice--warn" : "card__meta"} data-testid="ho-exception">
      ${(h.pending_photo_count ?? 0) > 0 ? t("ho.exception", { count: h.pending_photo_count ?? 0 }) : t("ho.clean")}</p>`}
    ${done
      ? html`<span class="notice" role="status" data-testid="ho-confirm-queued">${t("ho.confirmQueued")}</span>`
      : step === "confirm_outgoing" || step === "confirm_incoming"
        ? html`<button type="button" class="btn btn--primary btn--block" onClick=${confirm} data-testid="ho-confirm">
            ${t(step === "confirm_outgoing" ? "ho.confirmOut" : "ho.confirmIn")}</button>`
        : step && html`<span class="card__meta">${t(step === "wait_outgoing" ? "ho.waitOut" : "ho.waitIn")}</span>`}
  </li>`;
}
