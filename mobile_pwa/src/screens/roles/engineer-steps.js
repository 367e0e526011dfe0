// The engineer's steps on one work order: accept (接单), arrive (到场), complete (完工) with an
// after-photo, notes and — inside a unit — the owner's signature. Which steps are offered comes
// from the order's `allowed_events` (the server's state machine); after a step queued on this
// phone, from work-rules.js `afterStep` until the server has answered. Every step goes through the
// outbox, so the whole sequence can be done in a plant room with no signal: accept and arrive
// carry If-Match — the first the listed `etag`, a later one the ETag the server answers to the
// step queued before it (`if_match_from`, outbox.js) — the completion report carries the
// after-photos' client ids, and the photos themselves queue ahead of it (FIFO).
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { t } from "../../i18n.js";
import { isoWithOffset } from "../../outbox/photo.js";
import { newUuid, ownerIdOf } from "../../session.js";
import { Camera } from "../../components/camera.js";
import { lazyScreen } from "../../lazy.js";
import { queueAction } from "./common.js";
import { afterStep, engineerChoices, stepIfMatch } from "./work-rules.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").WorkOrder} WorkOrder */
/** @typedef {import("./work-rules.js").EngineerStep} EngineerStep */
/** @typedef {import("./work-rules.js").SetbackStep} SetbackStep */
/** @typedef {import("../../i18n.js").MessageKey} MessageKey */

// The pad and its library load only when a completion inside a unit needs a signature.
const SignaturePad = lazyScreen(() => import("../../components/signature.js").then((m) => m.SignaturePad));

/**
 * @param {{ user: User, order: WorkOrder, pending?: { step: EngineerStep | SetbackStep, clientId: string, state: string } | null, propertyName: string, onState: (state: string) => void }} props
 */
export function EngineerSteps({ user, order, pending = null, propertyName, onState }) {
  // Steps queued on this phone (also before a reload: `pending`, the outbox's last step for this
  // order); the last transition's client_id, whose answer gives the next one its If-Match.
  const [queued, setQueued] = useState(pending ? 1 : 0);
  const [lastStep, setLastStep] = useState(/** @type {string | null} */ (pending?.clientId ?? null));
  const [state, setState] = useState(pending?.state ?? order.state ?? "");
  const [events, setEvents] = useState(() => (pending ? afterStep(pending.step).then : order.allowed_events ?? []));
  const [completing, setCompleting] = useState(false);
  const [setback, setSetback] = useState(/** @type {SetbackStep | null} */ (null));
  const { next: step, setbacks: backs } = engineerChoices(events);
  if (state === "new" && queued > 0) return html`<p class="notice" role="status" data-testid="wo-step-handed-back">${t("wo.handedBack")}</p>`;
  if (!step || state === "done") return state === "done" && queued > 0 ? html`<p class="notice" role="status" data-testid="wo-step-done">${t("wo.completeQueued")}</p>` : null;

  /**
   * @param {EngineerStep | SetbackStep} s
   * @param {{ reason: string }} [body] a step back carries its reason
   */
  async function take(s, body) {
    const { state: after, then } = afterStep(s);
    const clientId = newUuid();
    await queueAction(user, {
      client_id: clientId,
      url: `/workorders/${order.id}/${s}`,
      ...stepIfMatch(s, order, lastStep),
      ...(body ? { body } : {}),
      id_in: "header", // the schemas take no client_id: it travels as Idempotency-Key
      label: `${t(/** @type {MessageKey} */ (`wo.step.${s}`))} #${order.id}`,
    });
    setLastStep(clientId);
    setQueued((n) => n + 1);
    setState(after);
    setEvents(then);
    onState(after);
  }

  const setbacks = html`
    ${setback
      ? html`<${ReasonForm} step=${setback} onCancel=${() => setSetback(null)}
          onSubmit=${(/** @type {string} */ reason) => { const s = setback; setSetback(null); void take(s, { reason }); }} />`
      : html`<div class="actions-2">
          ${backs.map(
            (s) => html`<button type="button" class="btn btn--ghost" onClick=${() => setSetback(s)} data-testid=${`wo-step-${s}`}>
              ${t(/** @type {MessageKey} */ (`wo.step.${s}`))}
            </button>`,
          )}
        </div>`}
  `;

  if (step === "complete") {
    return completing
      ? html`<${CompletionForm} user=${user} order=${order} propertyName=${propertyName}
          onCancel=${() => setCompleting(false)}
          onDone=${() => { setQueued((n) => n + 1); setState("done"); setEvents([]); onState("done"); }} />`
      : html`<button type="button" class="btn btn--primary btn--block" onClick=${() => setCompleting(true)} data-testid="wo-step-complete">${t("wo.step.complete")}</button>
          ${setbacks}`;
  }
  return html`
    <button type="button" class="btn btn--primary btn--block" onClick=${() => take(step)} data-testid=${`wo-step-${step}`}>
      ${t(/** @type {MessageKey} */ (`wo.step.${step}`))}
    </button>
    ${setbacks}
    ${queued > 0 && html`<p class="card__meta" role="status">${t("panel.queued")}</p>`}
  `;
}

/**
 * The reason a step back needs (the server refuses one without): shown to the front desk, who
 * dispatches the order again, and kept on the order's history.
 * @param {{ step: SetbackStep, onCancel: () => void, onSubmit: (reason: string) => void }} props
 */
function ReasonForm({ step, onCancel, onSubmit }) {
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState(false);
  return html`
    <div class="form card--capture" data-testid="wo-reason-form">
      <label class="field"><span class="field__label">${t(/** @type {MessageKey} */ (`wo.reason.${step}`))}</span>
        <textarea class="field__input" rows="2" maxlength="1000" value=${reason} data-testid="wo-reason"
          onInput=${(/** @type {InputEvent} */ e) => setReason(/** @type {HTMLTextAreaElement} */ (e.currentTarget).value)}></textarea></label>
      ${problem && html`<p class="form__error" role="alert">${t("wo.reasonRequired")}</p>`}
      <div class="actions-2">
        <button type="button" class="btn btn--ghost" onClick=${onCancel}>${t("review.cancel")}</button>
        <button type="button" class="btn btn--primary" data-testid="wo-reason-submit"
          onClick=${() => (reason.trim() ? onSubmit(reason.trim()) : setProblem(true))}>${t(/** @type {MessageKey} */ (`wo.step.${step}`))}</button>
      </div>
    </div>
  `;
}

/**
 * 完工: notes (required by the server), at least one after-photo (required), the owner's
 * signature for work inside a unit (required there). Photos are named by the order's id.
 * @param {{ user: User, order: WorkOrder, propertyName: string, onCancel: () => void, onDone: () => void }} props
 */
function CompletionForm({ user, order, propertyName, onCancel, onDone }) {
  const [notes, setNotes] = useState("");
  const [photos, setPhotos] = useState(/** @type {string[]} */ ([]));
  const [signature, setSignature] = useState(/** @type {string | null} */ (null));
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const inUnit = order.unit_id != null;

  async function submit() {
    if (!notes.trim()) return setProblem(t("wo.notesRequired"));
    if (photos.length === 0) return setProblem(t("wo.photoRequired"));
    if (inUnit && !signature) return setProblem(t("wo.signatureRequired"));
    setProblem(null);
    await queueAction(user, {
      client_id: newUuid(),
      url: `/workorders/${order.id}/completions`,
      body: {
        work_notes: notes.trim(),
        after_photo_client_ids: photos,
        device_time: isoWithOffset(new Date()),
        ...(signature ? { owner_signature: signature } : {}),
      },
      label: `${t("wo.step.complete")} #${order.id}`,
    });
    onDone();
  }

  return html`
    <div class="form card--capture" data-testid="wo-complete-form">
      <label class="field"><span class="field__label">${t("wo.notes")}</span>
        <textarea class="field__input" rows="3" maxlength="2000" value=${notes} data-testid="wo-notes"
          onInput=${(/** @type {InputEvent} */ e) => setNotes(/** @type {HTMLTextAreaElement} */ (e.currentTarget).value)}></textarea></label>
      <${Camera}
        propertyId=${order.property_id ?? 0}
        propertyName=${propertyName}
        contextType="workorder_after"
        contextId=${String(order.id)}
        note=${notes}
        person=${{ id: ownerIdOf(user), name: user.display_name || user.username || "" }}
        onSaved=${(/** @type {import("../../types/outbox").PhotoItem} */ p) => setPhotos((list) => [...list, p.client_id])}
      />
      ${photos.length > 0 && html`<p class="card__meta" data-testid="wo-photo-count">${t("run.photos", { count: photos.length })}</p>`}
      ${inUnit && html`<${SignaturePad} label=${t("wo.ownerSignature")} onChange=${setSignature} />`}
      ${problem && html`<p class="form__error" role="alert">${problem}</p>`}
      <div class="actions-2">
        <button type="button" class="btn btn--ghost" onClick=${onCancel}>${t("review.cancel")}</button>
        <button type="button" class="btn btn--primary" onClick=${submit} data-testid="wo-complete-submit">${t("wo.completeSubmit")}</button>
      </div>
    </div>
  `;
}
