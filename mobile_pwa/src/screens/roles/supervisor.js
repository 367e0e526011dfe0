// Supervisor (客服主管) at home: the evidence review queue of the properties they supervise, what
// is late (oversight.js: missed/late patrol runs, overdue notices and orders), and the phones
// still holding photos the server has not received (camera rule 3: hand photos in the same day).
// A decision goes through the outbox with If-Match from the photo's ETag, read when the card
// loaded, so a decision taken in a basement is sent later and a photo someone else reviewed
// meanwhile comes back 412 and is shown as a conflict on the outbox screen.
import { useEffect, useState } from "preact/hooks";
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { getLocale, hasMessage, t } from "../../i18n.js";
import { ListCard, LoadState, propertiesFor, queueAction, shortTime, useLoad } from "./common.js";
import { Oversight } from "./oversight.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").Evidence} Evidence */
/** @typedef {import("../../types/contract").EvidencePage} EvidencePage */
/** @typedef {import("../../types/contract").EvidenceUrls} EvidenceUrls */
/** @typedef {import("../../types/contract").ReviewDecision} ReviewDecision */
/** @typedef {import("../../types/contract").DeviceList} DeviceList */

const QUEUE_SIZE = 20;

/** @param {{ user: User }} props */
export function SupervisorPanel({ user }) {
  const properties = propertiesFor(user, "supervisor");
  return html`
    <div class="panel" data-testid="panel-supervisor">
      ${properties.map((p) => html`<${ReviewQueue} key=${p.id} user=${user} property=${p} />`)}
      ${properties.map((p) => html`<${Oversight} key=${`o${p.id}`} property=${p} />`)}
      ${properties.map((p) => html`<${PendingDevices} key=${`d${p.id}`} property=${p} />`)}
      ${properties.map(
        (p) => html`<a key=${`s${p.id}`} class="btn btn--ghost btn--block" href=${`#/setup/${p.id}/checkpoints`} data-testid="patrol-setup-link">
          ${t("setup.patrolLink", { name: p.name })}</a>`,
      )}
    </div>
  `;
}

/** @param {{ user: User, property: { id: number, name: string } }} props */
function ReviewQueue({ user, property }) {
  const state = useLoad(
    () => /** @type {Promise<EvidencePage>} */ (apiFetch(`/evidence?review_status=pending&property_id=${property.id}&limit=${QUEUE_SIZE}`)),
    [property.id],
  );
  /** @type {[Record<number, ReviewDecision>, (f: (d: Record<number, ReviewDecision>) => Record<number, ReviewDecision>) => void]} */
  const [decided, setDecided] = useState(/** @type {Record<number, ReviewDecision>} */ ({}));
  const items = state.data?.items ?? [];
  const waiting = items.filter((e) => !decided[e.id ?? 0]);
  return html`
    <section class="card card--panel" data-testid="review-queue">
      <h3 class="card__title">${t("review.title")} · ${property.name}</h3>
      <${LoadState} state=${state} />
      ${state.data && html`<p class="card__meta">${waiting.length === 0 ? t("review.empty") : t("review.count", { count: waiting.length })}</p>`}
      <ul class="review-list">
        ${items.map(
          (e) => html`<${ReviewItem}
            key=${e.id}
            user=${user}
            evidence=${e}
            decided=${decided[e.id ?? 0] ?? null}
            onDecided=${(/** @type {ReviewDecision} */ d) => setDecided((m) => ({ ...m, [e.id ?? 0]: d }))}
          />`,
        )}
      </ul>
    </section>
  `;
}

/**
 * @param {{ user: User, evidence: Evidence, decided: ReviewDecision | null,
 *   onDecided: (d: ReviewDecision) => void }} props
 */
function ReviewItem({ user, evidence, decided, onDecided }) {
  const id = evidence.id ?? 0;
  const [thumb, setThumb] = useState(/** @type {string | null} */ (null));
  const [etag, setEtag] = useState(/** @type {string | null} */ (null));
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));

  // The thumbnail link (short-lived, presigned) and the ETag the decision must carry, both read
  // now, while the list is on screen: the decision itself may be taken offline.
  useEffect(() => {
    apiFetch(`/evidence/${id}/urls`).then(
      (u) => {
        const urls = /** @type {EvidenceUrls} */ (u);
        setThumb(urls.thumb ?? urls.display ?? urls.original ?? null);
      },
      () => {},
    );
    apiFetch(`/evidence/${id}`, { onHeaders: (h) => setEtag(h.get("ETag")) }).catch(() => {});
  }, [id]);

  /** @param {ReviewDecision} decision */
  async function decide(decision) {
    if (decision === "rejected" && !reason.trim()) return setProblem(t("review.reasonRequired"));
    if (!etag) return setProblem(t("error.network_error"));
    setProblem(null);
    await queueAction(user, {
      url: `/evidence/${id}/review`,
      body: { decision, reason: decision === "rejected" ? reason.trim() : "" },
      headers: { "If-Match": etag },
      // The review schema has no client_id field: it travels only as Idempotency-Key.
      id_in: "header",
      label: `${t("review.title")} #${evidence.short_code || id}`,
    });
    onDecided(decision);
  }

  const flags = evidence.flags ?? [];
  const context = evidence.context_type && hasMessage(`context.${evidence.context_type}`)
    ? t(/** @type {import("../../i18n.js").MessageKey} */ (`context.${evidence.context_type}`))
    : evidence.context_type ?? "";
  return html`
    <li class="review-item" data-testid="review-item" data-evidence-id=${id}>
      <div class="review-item__thumb">
        ${thumb ? html`<img src=${thumb} alt=${t("review.photoAlt")} loading="lazy" />` : html`<span>${t("review.noThumb")}</span>`}
      </div>
      <div class="review-item__body">
        <p class="card__meta">${t("review.meta", { context, time: shortTime(evidence.captured_at ?? evidence.received_at) })}</p>
        ${evidence.note && html`<p class="review-item__note">${evidence.note}</p>`}
        ${flags.length > 0 &&
        html`<ul class="flags">${flags.map((f) => html`<li class="flag" key=${f.code}>⚠ ${getLocale() === "zh-CN" ? f.reason_zh : f.reason}</li>`)}</ul>`}
        ${decided
          ? html`<p class="notice" role="status" data-testid="review-done">${t(/** @type {import("../../i18n.js").MessageKey} */ (`review.done.${decided}`))} · ${t("panel.queued")}</p>`
          : rejecting
            ? html`<div class="review-item__reject">
                <label class="field">
                  <span class="field__label">${t("review.reason")}</span>
                  <input class="field__input" maxlength="500" value=${reason} data-testid="review-reason"
                    onInput=${(/** @type {InputEvent} */ e) => setReason(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
                </label>
                <div class="actions-2">
                  <button type="button" class="btn btn--ghost" onClick=${() => setRejecting(false)}>${t("review.cancel")}</button>
                  <button type="button" class="btn btn--danger" onClick=${() => decide("rejected")} data-testid="review-confirm-reject">${t("review.confirmReject")}</button>
                </div>
              </div>`
            : html`<div class="actions-3">
                <button type="button" class="btn btn--primary" disabled=${!etag} onClick=${() => decide("accepted")} data-testid="review-accept">${t("review.accept")}</button>
                <button type="button" class="btn btn--secondary" disabled=${!etag} onClick=${() => decide("exemplary")} data-testid="review-exemplary">${t("review.exemplary")}</button>
                <button type="button" class="btn btn--ghost" disabled=${!etag} onClick=${() => setRejecting(true)} data-testid="review-reject">${t("review.reject")}</button>
              </div>`}
        ${problem && html`<p class="form__error" role="alert">${problem}</p>`}
      </div>
    </li>
  `;
}

/** @param {{ property: { id: number, name: string } }} props */
function PendingDevices({ property }) {
  const state = useLoad(
    () => /** @type {Promise<DeviceList>} */ (apiFetch(`/devices?pending_only=true&property_id=${property.id}`)),
    [property.id],
  );
  const devices = state.data?.items ?? [];
  return html`
    <${ListCard} testid="pending-devices" title=${`${t("devices.title")} · ${property.name}`} state=${state}
      note=${devices.length === 0 ? t("devices.empty") : null}>
        ${devices.map(
          (d) => html`<li key=${d.device_id}>
            <strong>${d.user_name}</strong>
            <span>${t("devices.row", { count: d.pending_photo_count ?? 0, since: shortTime(d.oldest_pending_at) })}</span>
            <span class="card__meta">${t("devices.reported", { time: shortTime(d.reported_at) })}</span>
          </li>`,
        )}
    </${ListCard}>
  `;
}
