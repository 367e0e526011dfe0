// Rectification notices of one renovation site (违章整改通知单, #/notices/<renovation id>?p=&u=):
// raise a notice from the violations found by this site's inspections and issue it at once (serial
// number and deadline come from the server), then record the acknowledgement on this phone — the
// owner's or contractor's signature, or "refused to sign" with a photo of the notice as posted.
// Violations have server ids, so raising needs the inspection to have reached the server (the
// list says so); the raise, an issue and the acknowledgement are queued through the outbox.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { ACK_OUTCOMES, SIGNER_ROLES } from "../api-enums.js";
import { apiFetch } from "../api.js";
import { getLocale, t } from "../i18n.js";
import { ownerIdOf } from "../session.js";
import { isoWithOffset } from "../outbox/photo.js";
import { lazyScreen } from "../lazy.js";
import { Camera } from "../components/camera.js";
import { ListCard, LoadState, label, queueAction, shortTime, useLoad } from "./roles/common.js";
import { ackBody, ackProblems, etagOf } from "./roles/duty-rules.js";

const SignaturePad = lazyScreen(() => import("../components/signature.js").then((m) => m.SignaturePad));

/** @typedef {import("../types/contract").User} User */
/** @typedef {import("../types/contract").InspectionPage} InspectionPage */
/** @typedef {import("../types/contract").InspectionDetail} InspectionDetail */
/** @typedef {import("../types/contract").InspectionResult} InspectionResult */
/** @typedef {import("../types/contract").NoticePage} NoticePage */
/** @typedef {import("../types/contract").NoticeSummary} NoticeSummary */
/** @typedef {import("../types/contract").Notice} Notice */
/** @typedef {import("./roles/duty-rules.js").AckForm} AckForm */
/** @typedef {import("../i18n.js").MessageKey} MessageKey */

/**
 * @typedef {object} SiteProps
 * @property {User} user
 * @property {number} renovationId
 * @property {number} propertyId
 * @property {string} unitLabel
 */

/**
 * Violations of the site's recent inspections that no notice covers yet.
 * @param {number} renovationId
 */
async function openViolations(renovationId) {
  const page = /** @type {InspectionPage} */ (await apiFetch(`/renovation/renovations/${renovationId}/inspections?limit=10`));
  const withViolations = page.items.filter((i) => (i.violation_count ?? 0) > 0);
  const details = await Promise.all(withViolations.map((i) => /** @type {Promise<InspectionDetail>} */ (apiFetch(`/renovation/inspections/${i.id}`))));
  return details.flatMap((d) => (d.results ?? []).filter((r) => r.result === "violation" && !r.notice_id));
}

/** @param {SiteProps} props */
export function NoticeScreen({ user, renovationId, propertyId, unitLabel }) {
  const [round, setRound] = useState(0);
  return html`
    <section class="screen" data-testid="notices">
      <h1 class="screen__title">${t("rn.title")} · ${unitLabel || `#${renovationId}`}</h1>
      <${RaiseNotice} user=${user} renovationId=${renovationId} round=${round} onQueued=${() => setRound((n) => n + 1)} />
      <${SiteNotices} user=${user} renovationId=${renovationId} propertyId=${propertyId} unitLabel=${unitLabel} round=${round} />
      <a class="btn btn--ghost btn--block" href="#/">${t("app.backHome")}</a>
    </section>
  `;
}

/** @param {{ user: User, renovationId: number, round: number, onQueued: () => void }} props */
function RaiseNotice({ user, renovationId, round, onQueued }) {
  const state = useLoad(() => openViolations(renovationId), [renovationId, round]);
  const [skipped, setSkipped] = useState(/** @type {number[]} */ ([]));
  const [note, setNote] = useState("");
  const [queued, setQueued] = useState(/** @type {number[]} */ ([]));
  const zh = getLocale() === "zh-CN";
  const violations = (state.data ?? []).filter((v) => !queued.includes(v.id ?? 0));
  const chosen = violations.filter((v) => !skipped.includes(v.id ?? 0)).map((v) => v.id ?? 0);

  async function raise() {
    if (chosen.length === 0) return;
    await queueAction(user, {
      url: `/renovation/renovations/${renovationId}/notices`,
      body: { violation_ids: chosen, issue: true, note: note.trim(), measures: [], deadline: null, stop_work: null },
      label: `${t("rn.raise")} ${chosen.length}`,
    });
    setQueued((q) => [...q, ...chosen]);
    setNote("");
    onQueued();
  }

  return html`
    <section class="card card--panel" data-testid="rn-raise">
      <h3 class="card__title">${t("rn.violations")}</h3>
      <${LoadState} state=${state} />
      ${state.data && violations.length === 0 && html`<p class="card__meta">${t("rn.noViolations")}</p>`}
      ${queued.length > 0 && html`<p class="notice" role="status" data-testid="rn-raised">${t("rn.raised")}</p>`}
      ${violations.length > 0 &&
      html`<ul class="plain-list">
          ${violations.map(
            (v) => html`<li key=${v.id} data-testid="rn-violation" data-result-id=${v.id}>
              <label class="check">
                <input type="checkbox" checked=${!skipped.includes(v.id ?? 0)}
                  onChange=${() => setSkipped((s) => (s.includes(v.id ?? 0) ? s.filter((x) => x !== v.id) : [...s, v.id ?? 0]))} />
                <span>${v.code} ${zh || !v.name_en ? v.name_zh : v.name_en}${v.severity ? ` · ${label("rn.severity", v.severity)}` : ""}</span>
              </label>
              ${v.note && html`<span class="card__meta">${v.note}</span>`}
            </li>`,
          )}
        </ul>
        <label class="field"><span class="field__label">${t("rn.note")}</span>
          <input class="field__input" maxlength="1000" value=${note} data-testid="rn-note"
            onInput=${(/** @type {Event} */ e) => setNote(/** @type {HTMLInputElement} */ (e.currentTarget).value)} /></label>
        <button type="button" class="btn btn--danger btn--block" disabled=${chosen.length === 0} onClick=${raise} data-testid="rn-issue">
          ${t("rn.raiseIssue", { count: chosen.length })}</button>`}
    </section>
  `;
}

/** @param {SiteProps & { round: number }} props */
function SiteNotices({ user, renovationId, propertyId, unitLabel, round }) {
  const state = useLoad(
    () => /** @type {Promise<NoticePage>} */ (apiFetch(`/renovation/properties/${propertyId}/notices?renovation_id=${renovationId}&limit=20`)),
    [propertyId, renovationId, round],
  );
  const items = state.data?.items ?? [];
  return html`
    <${ListCard} testid="rn-list" title=${t("rn.listTitle")} state=${state} note=${items.length === 0 ? t("rn.none") : null}>
      ${items.map((n) => html`<${NoticeRow} key=${n.id} user=${user} notice=${n} propertyId=${propertyId} unitLabel=${unitLabel} />`)}
    </${ListCard}>
  `;
}

/** @param {{ user: User, notice: NoticeSummary, propertyId: number, unitLabel: string }} props */
function NoticeRow({ user, notice: n, propertyId, unitLabel }) {
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState(/** @type {MessageKey | null} */ (null));

  async function issue() {
    const detail = /** @type {Notice} */ (await apiFetch(`/renovation/notices/${n.id}`));
    await queueAction(user, {
      url: `/renovation/notices/${n.id}/issue`,
      headers: { "If-Match": etagOf("renovation_notices", detail) },
      id_in: "header",
      label: `${t("rn.issue")} #${n.id}`,
    });
    setDone("rn.issueQueued");
  }

  return html`<li data-testid="rn-row" data-notice-id=${n.id} data-state=${n.state}>
    <strong>${n.serial || `#${n.id}`} · ${label("notice.state", n.state)}${n.stop_work ? ` · ${t("notice.stopWork")}` : ""}</strong>
    <span class="card__meta">${n.severity ? `${label("rn.severity", n.severity)} · ` : ""}${t("notice.deadline", { time: shortTime(n.deadline_at ?? n.deadline) })}</span>
    ${done
      ? html`<span class="notice" role="status" data-testid="rn-queued">${t(done)}</span>`
      : n.state === "draft"
        ? html`<button type="button" class="btn btn--primary btn--block" onClick=${issue} data-testid="rn-issue-draft">${t("rn.issue")}</button>`
        : n.state === "issued" &&
          (open
            ? html`<${AckForm} user=${user} noticeId=${n.id ?? 0} propertyId=${propertyId} unitLabel=${unitLabel}
                onDone=${() => setDone("rn.ackQueued")} onCancel=${() => setOpen(false)} />`
            : html`<button type="button" class="btn btn--primary btn--block" onClick=${() => setOpen(true)} data-testid="rn-ack">${t("rn.ack")}</button>`)}
  </li>`;
}

/** @param {{ user: User, noticeId: number, propertyId: number, unitLabel: string, onDone: () => void, onCancel: () => void }} props */
function AckForm({ user, noticeId, propertyId, unitLabel, onDone, onCancel }) {
  // The ETag is read when the form opens, so the acknowledgement can be queued with no signal.
  const state = useLoad(() => /** @type {Promise<Notice>} */ (apiFetch(`/renovation/notices/${noticeId}`)), [noticeId]);
  /** @type {[AckForm, (f: AckForm | ((f: AckForm) => AckForm)) => void]} */
  const [form, setForm] = useState(/** @type {AckForm} */ ({ outcome: "signed", role: "owner", name: "", signature: null, photos: [], note: "" }));
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const propertyName = user.assignments?.find((a) => a.property_id === propertyId)?.property_name ?? `#${propertyId}`;
  /** @param {Partial<AckForm>} change */
  const update = (change) => setForm((f) => ({ ...f, ...change }));

  async function save() {
    if (!state.data) return;
    const missing = ackProblems(form);
    if (missing.length > 0) return setProblem(t(/** @type {MessageKey} */ (`rn.missing.${missing[0]}`)));
    setProblem(null);
    await queueAction(user, {
      url: `/renovation/notices/${noticeId}/acknowledge`,
      body: ackBody(form, isoWithOffset(new Date())),
      headers: { "If-Match": etagOf("renovation_notices", state.data) },
      id_in: "header", // Acknowledge has no client_id field
      label: `${t(form.outcome === "signed" ? "rn.signed" : "rn.refused")} ${state.data.serial ?? ""}`,
    });
    onDone();
  }

  /** @template {string} V @param {readonly V[]} values @param {V} current @param {(v: V) => void} pick @param {string} prefix */
  const toggle = (values, current, pick, prefix) => html`<div class="actions-2" role="radiogroup">
    ${values.map(
      (v) => html`<button type="button" key=${v} role="radio" aria-checked=${current === v} data-testid=${`${prefix.replace(".", "-")}-${v}`}
        class=${current === v ? "btn btn--primary" : "btn btn--ghost"} onClick=${() => pick(v)}>${label(prefix, v)}</button>`,
    )}
  </div>`;

  return html`<div class="form card--capture" data-testid="rn-ack-form">
    <${LoadState} state=${state} />
    ${state.data &&
    html`<p class="card__meta">${(state.data.violations ?? []).map((v) => `${v.code} ${v.name_zh ?? ""}`).join("；")}</p>
      ${toggle(ACK_OUTCOMES, form.outcome, (v) => update({ outcome: v }), "rn.outcome")}
      ${toggle(SIGNER_ROLES, form.role, (v) => update({ role: v }), "rn.role")}
      <label class="field"><span class="field__label">${t("rn.signer")}</span>
        <input class="field__input" maxlength="100" value=${form.name} data-testid="rn-signer"
          onInput=${(/** @type {Event} */ e) => update({ name: /** @type {HTMLInputElement} */ (e.currentTarget).value })} /></label>
      ${form.outcome === "signed"
        ? html`<div data-testid="rn-signature"><${SignaturePad} label=${t("rn.signature")} onChange=${(/** @type {string | null} */ png) => update({ signature: png })} /></div>`
        : html`<p class="card__meta">${t("rn.refusedHint")}</p>
            <${Camera}
              propertyId=${propertyId}
              propertyName=${propertyName}
              contextType="notice"
              contextId=${String(noticeId)}
              note=${`${t("rn.postedPhoto")} ${state.data.serial ?? ""} ${unitLabel}`.trim()}
              person=${{ id: ownerIdOf(user), name: user.display_name || user.username || "" }}
              onSaved=${(/** @type {import("../types/outbox").PhotoItem} */ p) => setForm((f) => ({ ...f, photos: [...f.photos, p.client_id] }))}
            />`}
      <label class="field"><span class="field__label">${t("rn.ackNote")}</span>
        <input class="field__input" maxlength="500" value=${form.note}
          onInput=${(/** @type {Event} */ e) => update({ note: /** @type {HTMLInputElement} */ (e.currentTarget).value })} /></label>
      ${problem && html`<p class="form__error" role="alert">${problem}</p>`}
      <div class="actions-2">
        <button type="button" class="btn btn--ghost" onClick=${onCancel}>${t("review.cancel")}</button>
        <button type="button" class="btn btn--primary" onClick=${save} data-testid="rn-ack-save">${t("rn.ackSave")}</button>
      </div>`}
  </div>`;
}
