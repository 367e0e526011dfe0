// Manager (管理处经理) at home: what waits for their decision — renovation measures M5–M7 and
// deposit settlements — with 批准 / 驳回 through the outbox (If-Match: the ETag listed with each
// item, so a decision can be taken with no signal; a record changed meanwhile comes back 412 on
// the outbox screen), and this month's work-order figures against their targets.
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { getLocale, t } from "../../i18n.js";
import { ListCard, LoadState, propertiesFor, queueAction, shortTime, useLoad } from "./common.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").Approvals} Approvals */
/** @typedef {import("../../types/contract").DecisionBody} DecisionBody */
/** @typedef {import("../../types/contract").WorkOrderMetrics} WorkOrderMetrics */
/** @typedef {import("../../i18n.js").MessageKey} MessageKey */
/** @typedef {{ id: number, name: string }} PropertyRef */

/** This month as YYYY-MM on the phone's clock. */
export function thisMonth(now = new Date()) {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

/** A 0–1 rate as a percentage ("—" when nothing was measured). @param {number | null | undefined} rate */
export function percent(rate) {
  return typeof rate === "number" ? `${Math.round(rate * 1000) / 10}%` : "—";
}

/**
 * Why a decision cannot be queued: a refusal needs a reason (the server answers 422 without one,
 * and a refused decision would sit parked in the outbox).
 * @param {DecisionBody["decision"]} decision
 * @param {string} note
 * @returns {"reason" | null}
 */
export function decisionProblem(decision, note) {
  return decision === "rejected" && !note.trim() ? "reason" : null;
}

/** @param {{ user: User }} props */
export function ManagerPanel({ user }) {
  const properties = propertiesFor(user, "manager");
  return html`
    <div class="panel" data-testid="panel-manager">
      ${properties.map((p) => html`<${Waiting} key=${p.id} user=${user} property=${p} />`)}
      ${properties.map((p) => html`<${MonthFigures} key=${`m${p.id}`} property=${p} />`)}
    </div>
  `;
}

/** @param {{ user: User, property: PropertyRef }} props */
function Waiting({ user, property }) {
  const state = useLoad(() => /** @type {Promise<Approvals>} */ (apiFetch(`/renovation/approvals?property_id=${property.id}`)), [property.id]);
  const measures = state.data?.measures ?? [];
  const settlements = state.data?.settlements ?? [];
  const zh = getLocale() === "zh-CN";
  return html`
    <${ListCard} testid="approvals" title=${`${t("mgr.approvals")} · ${property.name}`} state=${state}
      note=${measures.length + settlements.length === 0 ? t("mgr.approvalsNone") : null}>
      ${measures.map(
        (m) => html`<li key=${`m${m.id}`} data-testid="approval-measure" data-id=${m.id}>
          <strong>${m.code} ${zh || !m.name_en ? m.name_zh : m.name_en}</strong>
          <span class="card__meta">${m.notice_serial ?? `#${m.notice_id}`} · ${shortTime(m.requested_at)}${m.note ? ` · ${m.note}` : ""}</span>
          <${Decide} user=${user} url=${`/renovation/measures/${m.id}/decision`} etag=${m.etag} what=${`${m.code} ${m.notice_serial ?? ""}`} />
        </li>`,
      )}
      ${settlements.map(
        (s) => html`<li key=${`s${s.id}`} data-testid="approval-settlement" data-id=${s.id}>
          <strong>${t("mgr.settlement", { id: s.renovation_id ?? "" })}</strong>
          <span class="card__meta">${t("mgr.settlementFigures", { deposit: s.deposit_amount ?? "", deductions: s.total_deductions ?? "", refund: s.refund_amount ?? "" })}</span>
          <${Decide} user=${user} url=${`/renovation/settlements/${s.id}/decision`} etag=${s.etag} what=${t("mgr.settlement", { id: s.renovation_id ?? "" })} />
        </li>`,
      )}
    </${ListCard}>
  `;
}

/** 批准 / 驳回 (with a reason) for one waiting item. @param {{ user: User, url: string, etag?: string, what: string }} props */
function Decide({ user, url, etag, what }) {
  const [note, setNote] = useState("");
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const [sent, setSent] = useState(/** @type {DecisionBody["decision"] | null} */ (null));
  if (sent) return html`<p class="notice" role="status" data-testid="decision-queued">${t(sent === "approved" ? "mgr.approved" : "mgr.rejected")} · ${t("panel.queued")}</p>`;

  /** @param {DecisionBody["decision"]} decision */
  async function decide(decision) {
    if (decisionProblem(decision, note)) return setProblem(t("mgr.reasonRequired"));
    setProblem(null);
    /** @type {DecisionBody} */
    const body = { decision, note: note.trim() };
    await queueAction(user, {
      url,
      body,
      ...(etag ? { headers: { "If-Match": etag } } : {}),
      id_in: "header", // the decision's body has no client_id
      label: `${t(decision === "approved" ? "mgr.approve" : "mgr.reject")} ${what}`,
    });
    setSent(decision);
  }
  return html`<div class="form">
    <label class="field"><span class="field__label">${t("mgr.note")}</span>
      <input class="field__input" maxlength="500" value=${note} data-testid="decision-note"
        onInput=${(/** @type {Event} */ e) => setNote(/** @type {HTMLInputElement} */ (e.currentTarget).value)} /></label>
    ${problem && html`<p class="form__error" role="alert">${problem}</p>`}
    <div class="actions-2">
      <button type="button" class="btn btn--danger" onClick=${() => decide("rejected")} data-testid="decision-reject">${t("mgr.reject")}</button>
      <button type="button" class="btn btn--primary" onClick=${() => decide("approved")} data-testid="decision-approve">${t("mgr.approve")}</button>
    </div>
  </div>`;
}

/** This month's work-order figures at the property, each against its target. @param {{ property: PropertyRef }} props */
function MonthFigures({ property }) {
  const month = thisMonth();
  const state = useLoad(
    () => /** @type {Promise<WorkOrderMetrics>} */ (apiFetch(`/properties/${property.id}/workorder-metrics?month=${month}`)),
    [property.id, month],
  );
  const d = state.data;
  /** @type {[MessageKey, { rate?: number | null, target?: number, target_op?: string, meets_target?: boolean | null } | undefined][]} */
  const rows = d ? [["mgr.onTime", d.on_time], ["mgr.rework", d.rework], ["mgr.visitRepairs", d.visit_repairs], ["mgr.visitComplaints", d.visit_complaints]] : [];
  return html`
    <section class="card card--panel" data-testid="metrics">
      <h3 class="card__title">${t("mgr.metrics", { month })} · ${property.name}</h3>
      <${LoadState} state=${state} />
      ${d && rows.every(([, r]) => typeof r?.rate !== "number") && html`<p class="card__meta" data-testid="metrics-empty">${t("mgr.noOrders")}</p>`}
      <ul class="plain-list">
        ${rows.map(
          ([key, r]) => html`<li key=${key} data-testid="metric">
            <strong>${t(key)}</strong>
            <span class=${r?.meets_target === false ? "flag" : "card__meta"}>${percent(r?.rate)} · ${t("mgr.target", { op: r?.target_op === "<=" ? "≤" : "≥", target: percent(r?.target) })}</span>
          </li>`,
        )}
        ${d && html`<li data-testid="metric-backlog"><strong>${t("mgr.backlog")}</strong><span class="card__meta">${d.backlog_total ?? 0}</span></li>`}
      </ul>
    </section>
  `;
}
