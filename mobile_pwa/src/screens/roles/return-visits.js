// Return visits (回访) for the front desk: verified orders and handled complaints waiting for a
// call or a visit, special follow-ups first (the server's order). Four ratings of 1–5, a comment,
// and on site the owner's signature; queued through the outbox with a client UUID in the body.
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { VISIT_METHODS } from "../../api-enums.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { newUuid } from "../../session.js";
import { lazyScreen } from "../../lazy.js";
import { ListCard, queueAction, shortTime, useLoad } from "./common.js";
import { visitProblems } from "./work-rules.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").VisitQueue} VisitQueue */
/** @typedef {import("../../types/contract").VisitQueueItem} VisitQueueItem */
/** @typedef {import("../../types/contract").VisitCreate} VisitCreate */
/** @typedef {import("./work-rules.js").Ratings} Ratings */
/** @typedef {import("../../i18n.js").MessageKey} MessageKey */

const SignaturePad = lazyScreen(() => import("../../components/signature.js").then((m) => m.SignaturePad));
const ASPECTS = /** @type {const} */ (["speed", "attitude", "quality", "result"]);

/** @param {{ user: User, property: { id: number, name: string } }} props */
export function ReturnVisits({ user, property }) {
  const state = useLoad(
    () => /** @type {Promise<VisitQueue>} */ (apiFetch(`/properties/${property.id}/visit-queue?limit=20`)),
    [property.id],
  );
  const items = state.data?.items ?? [];
  return html`
    <${ListCard} testid="visit-queue" title=${`${t("visit.title")} · ${property.name}`} state=${state} note=${items.length === 0 ? t("visit.none") : null}>
      ${items.map((v) => html`<${VisitRow} key=${`${v.kind}-${v.id}`} user=${user} item=${v} />`)}
    </${ListCard}>
  `;
}

/** @param {{ user: User, item: VisitQueueItem }} props */
function VisitRow({ user, item }) {
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState(false);
  const kind = item.kind === "request" ? "request" : "work_order";
  return html`<li data-testid="visit-item" data-kind=${kind} data-id=${item.id}>
    <strong>${item.special_follow_up ? html`<span class="flag">${t("visit.special")} · </span>` : ""}${item.summary || `#${item.id}`}</strong>
    <span class="card__meta">${t(/** @type {MessageKey} */ (`visit.kind.${kind}`))} #${item.id}${item.due_at ? ` · ${t("visit.due", { time: shortTime(item.due_at) })}` : ""}</span>
    ${done
      ? html`<p class="notice" role="status" data-testid="visit-queued">${t("panel.queued")}</p>`
      : open
        ? html`<${VisitForm} user=${user} item=${item} kind=${kind} onCancel=${() => setOpen(false)} onDone=${() => setDone(true)} />`
        : html`<button type="button" class="btn btn--secondary btn--block" onClick=${() => setOpen(true)} data-testid="visit-open">${t("visit.start")}</button>`}
  </li>`;
}

/**
 * @param {{ user: User, item: VisitQueueItem, kind: "request" | "work_order", onCancel: () => void, onDone: () => void }} props
 */
function VisitForm({ user, item, kind, onCancel, onDone }) {
  const [method, setMethod] = useState(/** @type {"phone" | "on_site"} */ ("phone"));
  const [ratings, setRatings] = useState(/** @type {Partial<Ratings>} */ ({}));
  const [comment, setComment] = useState("");
  const [signature, setSignature] = useState(/** @type {string | null} */ (null));
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));

  async function submit() {
    const problems = visitProblems(ratings, method, signature);
    if (problems.length) return setProblem(t(problems[0] === "ratings" ? "visit.ratingsRequired" : "visit.signatureRequired"));
    setProblem(null);
    const r = /** @type {Ratings} */ (ratings);
    // `satisfied` is left to the server (satisfied when no rating is below 3).
    /** @type {Partial<VisitCreate>} */
    const body = {
      method,
      speed: r.speed,
      attitude: r.attitude,
      quality: r.quality,
      result: r.result,
      comment: comment.trim(),
      visited_at: new Date().toISOString(),
      ...(method === "on_site" && signature ? { owner_signature: signature } : {}),
    };
    await queueAction(user, {
      client_id: newUuid(),
      url: kind === "request" ? `/requests/${item.id}/visits` : `/workorders/${item.id}/visits`,
      body,
      label: `${t("visit.title")} #${item.id}`,
    });
    onDone();
  }

  return html`<div class="form" data-testid="visit-form">
    <div class="actions-2" role="radiogroup" aria-label=${t("visit.method")}>
      ${VISIT_METHODS.map(
        (m) => html`<button type="button" key=${m} role="radio" aria-checked=${method === m} data-testid=${`visit-method-${m}`}
          class=${method === m ? "btn btn--primary" : "btn btn--ghost"} onClick=${() => setMethod(m)}>${t(/** @type {MessageKey} */ (`visit.method.${m}`))}</button>`,
      )}
    </div>
    ${ASPECTS.map(
      (a) => html`<div class="rating" key=${a} role="radiogroup" aria-label=${t(/** @type {MessageKey} */ (`visit.aspect.${a}`))} data-testid=${`visit-rate-${a}`}>
        <span class="field__label">${t(/** @type {MessageKey} */ (`visit.aspect.${a}`))}</span>
        <div class="rating__stars">
          ${[1, 2, 3, 4, 5].map(
            (n) => html`<button type="button" key=${n} role="radio" aria-checked=${ratings[a] === n} aria-label=${String(n)}
              class=${(ratings[a] ?? 0) >= n ? "rating__star is-on" : "rating__star"} onClick=${() => { setRatings((r) => ({ ...r, [a]: n })); setProblem(null); }}>★</button>`,
          )}
        </div>
      </div>`,
    )}
    <label class="field"><span class="field__label">${t("visit.comment")}</span>
      <input class="field__input" maxlength="1000" value=${comment} data-testid="visit-comment"
        onInput=${(/** @type {InputEvent} */ e) => setComment(/** @type {HTMLInputElement} */ (e.currentTarget).value)} /></label>
    ${method === "on_site" && html`<${SignaturePad} label=${t("visit.ownerSignature")} onChange=${setSignature} />`}
    ${problem && html`<p class="form__error" role="alert">${problem}</p>`}
    <div class="actions-2">
      <button type="button" class="btn btn--ghost" onClick=${onCancel}>${t("review.cancel")}</button>
      <button type="button" class="btn btn--primary" onClick=${submit} data-testid="visit-submit">${t("visit.save")}</button>
    </div>
  </div>`;
}
