// Night duty (总值/夜班) at home: the item loan register (《物品借用登记表》, camera rule 4) with
// the overdue list first, lending and returning through the outbox, and the handover check for
// this phone (rule 5: the outgoing person's phone should hold no un-uploaded photo).
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { LOAN_ITEM_KINDS } from "../../api-enums.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { deviceId, ownerIdOf } from "../../session.js";
import { useOutboxStatus } from "../../outbox-status.js";
import { LoadState, propertiesFor, queueAction, shortTime, useLoad } from "./common.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").Loan} Loan */
/** @typedef {import("../../types/contract").LoanPage} LoanPage */
/** @typedef {import("../../types/contract").LoanCreate} LoanCreate */
/** @typedef {import("../../types/contract").DevicePending} DevicePending */
/** @typedef {NonNullable<LoanCreate["item_kind"]>} ItemKind */

/** @type {readonly ItemKind[]} */
const KINDS = LOAN_ITEM_KINDS;

/**
 * The ETag of a loan as the server computes it (web/conditional.py etag_of: table, id, version).
 * The register lists loans without per-item ETags and has no GET /loans/{id}, so the version from
 * the list is the freshest base a return can name; a loan changed since still answers 412.
 * @param {Loan} loan
 */
export function loanEtag(loan) {
  return `"loans-${loan.id}-v${loan.version}"`;
}

/** @param {{ user: User }} props */
export function NightDutyPanel({ user }) {
  const properties = propertiesFor(user, "night_duty");
  return html`
    <div class="panel" data-testid="panel-night-duty">
      ${properties.map(
        (p) => html`<section key=${p.id} class="card card--panel" data-testid="duty-links">
          <h3 class="card__title">${t("duty.title")} · ${p.name}</h3>
          <div class="actions-2">
            <a class="btn btn--primary" href=${`#/spot-check/${p.id}`} data-testid="duty-spot-check">${t("spot.title")}</a>
            <a class="btn btn--primary" href=${`#/handover/${p.id}`} data-testid="duty-handover">${t("ho.title")}</a>
          </div>
        </section>`,
      )}
      <${HandoverCheck} />
      ${properties.map((p) => html`<${LoanRegister} key=${p.id} user=${user} property=${p} />`)}
    </div>
  `;
}

function HandoverCheck() {
  const device = deviceId();
  const local = useOutboxStatus();
  const state = useLoad(() => /** @type {Promise<DevicePending>} */ (apiFetch(`/devices/${encodeURIComponent(device)}/pending`)));
  const pending = state.data?.pending ?? [];
  return html`
    <section class="card card--panel" data-testid="handover-check">
      <h3 class="card__title">${t("handover.title")}</h3>
      <p class=${local.count > 0 ? "notice notice--warn" : "card__meta"}>${t("handover.local", { count: local.count })}</p>
      <${LoadState} state=${state} />
      ${state.data &&
      html`<button type="button" class="btn btn--ghost" onClick=${state.reload} data-testid="handover-refresh">${t("panel.retry")}</button>`}
      ${state.data &&
      html`<p class=${pending.length > 0 ? "notice notice--warn" : "notice"} data-testid="handover-status">
        ${!state.data.reported_at ? t("handover.unknown") : pending.length > 0 ? t("handover.pending", { count: pending.length }) : t("handover.clean")}
      </p>`}
    </section>
  `;
}

/** @param {{ user: User, property: { id: number, name: string } }} props */
function LoanRegister({ user, property }) {
  const state = useLoad(
    () => /** @type {Promise<LoanPage>} */ (apiFetch(`/loans?property_id=${property.id}&state=borrowed&limit=50`)),
    [property.id],
  );
  const [returned, setReturned] = useState(/** @type {number[]} */ ([]));
  const [lent, setLent] = useState(/** @type {LoanCreate[]} */ ([]));
  const loans = (state.data?.items ?? []).filter((l) => !returned.includes(l.id ?? 0));
  const overdue = loans.filter((l) => l.overdue);
  const current = loans.filter((l) => !l.overdue);
  return html`
    <section class="card card--panel" data-testid="loan-register">
      <h3 class="card__title">${t("loans.title")} · ${property.name}</h3>
      <${LoadState} state=${state} />
      ${overdue.length > 0 &&
      html`<h4 class="panel__subtitle panel__subtitle--alert">${t("loans.overdueTitle")}</h4>
        <ul class="plain-list" data-testid="loans-overdue">
          ${overdue.map((l) => html`<${LoanRow} key=${l.id} user=${user} loan=${l} onReturned=${() => setReturned((r) => [...r, l.id ?? 0])} />`)}
        </ul>`}
      ${state.data && loans.length === 0 && lent.length === 0 && html`<p class="card__meta">${t("loans.none")}</p>`}
      <ul class="plain-list" data-testid="loans-current">
        ${current.map((l) => html`<${LoanRow} key=${l.id} user=${user} loan=${l} onReturned=${() => setReturned((r) => [...r, l.id ?? 0])} />`)}
        ${lent.map(
          (l, i) => html`<li key=${`new${i}`} data-testid="loan-queued">
            <strong>${l.item_name}（${l.item_code}）</strong>
            <span class="notice" role="status">${t("loans.lendQueued")}</span>
          </li>`,
        )}
      </ul>
      <${LendForm} user=${user} property=${property} onLent=${(/** @type {LoanCreate} */ l) => setLent((x) => [...x, l])} />
    </section>
  `;
}

/** @param {{ user: User, loan: Loan, onReturned: () => void }} props */
function LoanRow({ user, loan, onReturned }) {
  const [open, setOpen] = useState(false);
  const [checks, setChecks] = useState({ card_cleared: false, photos_stored: false, battery_ok: false });
  const [note, setNote] = useState("");
  const [done, setDone] = useState(false);

  async function giveBack() {
    await queueAction(user, {
      url: `/loans/${loan.id}/return`,
      body: { ...checks, return_note: note.trim() },
      headers: { "If-Match": loanEtag(loan) },
      id_in: "header", // LoanReturn has no client_id field
      label: `${t("loans.return")} ${loan.item_name}`,
    });
    setDone(true);
    setTimeout(onReturned, 1500); // let the person read the confirmation first
  }

  /** @param {keyof typeof checks} key @param {string} label */
  const box = (key, label) => html`<label class="check">
    <input type="checkbox" checked=${checks[key]} data-testid=${`return-${key}`}
      onChange=${(/** @type {Event} */ e) => setChecks({ ...checks, [key]: /** @type {HTMLInputElement} */ (e.currentTarget).checked })} />
    <span>${label}</span>
  </label>`;

  return html`
    <li data-testid="loan-row" data-loan-id=${loan.id}>
      <strong>${t("loans.row", { name: loan.item_name ?? "", code: loan.item_code ?? "", borrower: loan.borrower_id ?? "" })}</strong>
      <span class=${loan.overdue ? "flag" : "card__meta"}>${loan.overdue ? `${t("loans.overdue")} · ` : ""}${t("loans.due", { time: shortTime(loan.due_at) })}</span>
      ${done
        ? html`<span class="notice" role="status" data-testid="loan-returned">${t("loans.returnQueued")}</span>`
        : open
          ? html`<div class="form">
              ${box("card_cleared", t("loans.cardCleared"))}
              ${box("photos_stored", t("loans.photosStored"))}
              ${box("battery_ok", t("loans.batteryOk"))}
              <label class="field"><span class="field__label">${t("loans.returnNote")}</span>
                <input class="field__input" maxlength="300" value=${note}
                  onInput=${(/** @type {InputEvent} */ e) => setNote(/** @type {HTMLInputElement} */ (e.currentTarget).value)} /></label>
              <div class="actions-2">
                <button type="button" class="btn btn--ghost" onClick=${() => setOpen(false)}>${t("review.cancel")}</button>
                <button type="button" class="btn btn--primary" onClick=${giveBack} data-testid="return-confirm">${t("loans.confirmReturn")}</button>
              </div>
            </div>`
          : html`<button type="button" class="btn btn--secondary" onClick=${() => setOpen(true)} data-testid="loan-return">${t("loans.return")}</button>`}
    </li>
  `;
}

/** @param {{ user: User, property: { id: number }, onLent: (loan: LoanCreate) => void }} props */
function LendForm({ user, property, onLent }) {
  const [open, setOpen] = useState(false);
  const own = ownerIdOf(user);
  const blank = () => ({ item_kind: /** @type {ItemKind} */ ("camera"), item_code: "", item_name: t("loans.kind.camera"), borrower: typeof own === "number" ? String(own) : "", purpose: "" });
  const [form, setForm] = useState(blank);
  const [problem, setProblem] = useState(false);

  /** @param {keyof ReturnType<typeof blank>} key @returns {(e: Event) => void} */
  const bind = (key) => (e) => setForm({ ...form, [key]: /** @type {HTMLInputElement} */ (e.currentTarget).value });

  /** @param {Event} event */
  async function submit(event) {
    event.preventDefault();
    const borrower = Number(form.borrower);
    if (!form.item_code.trim() || !form.item_name.trim() || !form.purpose.trim() || !Number.isInteger(borrower) || borrower < 1) {
      return setProblem(true);
    }
    setProblem(false);
    /** @type {LoanCreate} */
    const body = {
      property_id: property.id,
      item_kind: form.item_kind,
      item_code: form.item_code.trim(),
      item_name: form.item_name.trim(),
      borrower_id: borrower,
      purpose: form.purpose.trim(),
      due_at: null, // the server's default: 17:30 today at the property (rule 4)
    };
    await queueAction(user, { url: "/loans", body, label: `${t("loans.lend")} ${body.item_name}` });
    onLent(body);
    setForm(blank());
    setOpen(false);
  }

  if (!open) {
    return html`<button type="button" class="btn btn--primary btn--block" onClick=${() => setOpen(true)} data-testid="loan-lend">${t("loans.lend")}</button>`;
  }
  return html`
    <form class="form" onSubmit=${submit} data-testid="lend-form">
      <label class="field"><span class="field__label">${t("loans.kind")}</span>
        <select class="field__input" value=${form.item_kind} onChange=${bind("item_kind")} data-testid="lend-kind">
          ${KINDS.map((k) => html`<option key=${k} value=${k}>${t(/** @type {import("../../i18n.js").MessageKey} */ (`loans.kind.${k}`))}</option>`)}
        </select></label>
      <label class="field"><span class="field__label">${t("loans.itemCode")}</span>
        <input class="field__input" maxlength="40" value=${form.item_code} onInput=${bind("item_code")} data-testid="lend-code" /></label>
      <label class="field"><span class="field__label">${t("loans.itemName")}</span>
        <input class="field__input" maxlength="100" value=${form.item_name} onInput=${bind("item_name")} data-testid="lend-name" /></label>
      <label class="field"><span class="field__label">${t("loans.borrower")}</span>
        <input class="field__input" inputmode="numeric" value=${form.borrower} onInput=${bind("borrower")} data-testid="lend-borrower" /></label>
      <label class="field"><span class="field__label">${t("loans.purpose")}</span>
        <input class="field__input" maxlength="300" value=${form.purpose} onInput=${bind("purpose")} data-testid="lend-purpose" /></label>
      ${problem && html`<p class="form__error" role="alert">${t("loans.required")}</p>`}
      <div class="actions-2">
        <button type="button" class="btn btn--ghost" onClick=${() => setOpen(false)}>${t("review.cancel")}</button>
        <button type="submit" class="btn btn--primary" data-testid="lend-submit">${t("loans.submit")}</button>
      </div>
    </form>
  `;
}
