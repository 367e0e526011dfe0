// The renovation violation checklist (company-wide, versioned): change an item's name or
// severity, retire it, add one, change the rectification deadline per severity. Saving makes the
// next version; inspections already recorded keep the version they were made with. Only the
// changed items are sent, with the version they were edited from (409 if someone saved since).
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { newUuid } from "../../session.js";
import { LoadState, label, shortTime, useLoad } from "../roles/common.js";
import { Field, Outcome, useSubmit, valueOf } from "./common.js";
import { SEVERITIES } from "./rules.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").Property} Property */
/** @typedef {import("../../types/contract").Checklist} Checklist */
/** @typedef {import("../../types/contract").ChecklistItem} ChecklistItem */
/** @typedef {{ code: string, name_zh?: string, severity?: string, retired?: boolean, category?: string }} Change */

/** The checklist is the company's, not one property's: the section takes no props. */
export function ChecklistSection() {
  const state = useLoad(async () => {
    const [list, versions] = await Promise.all([
      /** @type {Promise<Checklist>} */ (apiFetch("/renovation/checklist")),
      /** @type {Promise<{ items?: { number?: number, note?: string, created_at?: string, active_items?: number }[] }>} */ (apiFetch("/renovation/checklist/versions")),
    ]);
    return { list, versions: versions.items ?? [] };
  });
  return html`<div class="setup-section" data-testid="setup-checklist">
    <h2 class="section-title">${t("setup.section.checklist")}</h2>
    <p class="card__meta">${t("checklist.hint")}</p>
    <${LoadState} state=${state} />
    ${state.data && html`<${Editor} key=${state.data.list.number} list=${state.data.list} onSaved=${state.reload} />
      <section class="card card--panel">
        <h3 class="card__title">${t("checklist.versions")}</h3>
        <ul class="plain-list">
          ${state.data.versions.map(
            (v) => html`<li key=${v.number}>${t("checklist.version", { number: v.number ?? 0 })} · ${shortTime(v.created_at)} · ${t("checklist.activeItems", { count: v.active_items ?? 0 })}${v.note ? ` · ${v.note}` : ""}</li>`,
          )}
        </ul>
      </section>`}
  </div>`;
}

/** @param {{ list: Checklist, onSaved: () => void }} props */
function Editor({ list, onSaved }) {
  const items = (list.items ?? []).filter((i) => i.kind !== "measure");
  const [changes, setChanges] = useState(/** @type {Record<string, Change>} */ ({}));
  const [days, setDays] = useState(() => Object.fromEntries(SEVERITIES.map((s) => [s, String(/** @type {Record<string, number>} */ (list.deadline_days ?? {})[s] ?? "")])));
  const [note, setNote] = useState("");
  const [newCode, setNewCode] = useState("");
  const [newName, setNewName] = useState("");
  const [newSeverity, setNewSeverity] = useState("minor");
  const [newCategory, setNewCategory] = useState("");
  const categories = [...new Set(items.map((i) => i.category ?? "").filter(Boolean))];
  const submit = useSubmit();

  /** @param {ChecklistItem} item @param {Partial<Change>} change */
  function change(item, change) {
    const code = item.code ?? "";
    setChanges({ ...changes, [code]: { ...changes[code], ...change, code } });
  }
  /** @param {ChecklistItem} item @template {keyof Change} K @param {K} key */
  const shown = (item, key) => /** @type {any} */ (changes[item.code ?? ""]?.[key] ?? item[/** @type {keyof ChecklistItem} */ (key)]);

  /** @param {Event} e */
  async function save(e) {
    e.preventDefault();
    const itemChanges = Object.values(changes);
    if (newCode.trim()) itemChanges.push({ code: newCode.trim(), name_zh: newName.trim(), severity: newSeverity, category: newCategory.trim() });
    /** @type {Record<string, number>} */
    const deadlines = {};
    for (const s of SEVERITIES) if (days[s].trim() !== "") deadlines[s] = Number(days[s]);
    const body = { client_id: newUuid(), base_version: list.number ?? 1, note: note.trim(), items: itemChanges, deadline_days: deadlines };
    const saved = await submit.run(
      () => /** @type {Promise<Checklist>} */ (apiFetch("/renovation/checklist", { method: "POST", body })),
      (c) => t("checklist.saved", { number: c.number ?? 0 }),
    );
    if (saved) onSaved();
  }

  return html`<form class="form" onSubmit=${save} data-testid="checklist-form">
    <p class="card__meta">${t("checklist.version", { number: list.number ?? 0 })} · ${shortTime(list.created_at)}</p>
    <ul class="plain-list">
      ${items.map(
        (item) => html`<li key=${item.code} data-testid="checklist-item" class=${shown(item, "retired") ? "retired" : ""}>
          <div class="row-head"><strong>${item.code}</strong> <span class="card__meta">${item.category ?? ""}</span></div>
          <input class="field__input" aria-label=${t("checklist.name")} value=${shown(item, "name_zh") ?? ""}
            onInput=${(/** @type {Event} */ e) => change(item, { name_zh: valueOf(e) })} />
          <div class="field__row">
            <select class="field__input" aria-label=${t("checklist.severity")} value=${shown(item, "severity") ?? ""}
              onChange=${(/** @type {Event} */ e) => change(item, { severity: valueOf(e) })}>
              ${SEVERITIES.map((s) => html`<option key=${s} value=${s}>${label("severity", s)}</option>`)}
            </select>
            <label class="check"><input type="checkbox" checked=${Boolean(shown(item, "retired"))}
              onChange=${(/** @type {Event} */ e) => change(item, { retired: /** @type {HTMLInputElement} */ (e.currentTarget).checked })} /> ${t("checklist.retired")}</label>
          </div>
        </li>`,
      )}
    </ul>
    <fieldset class="field">
      <legend class="field__label">${t("checklist.add")}</legend>
      <div class="field__row">
        <${Field} label=${t("setup.code")} name="item_code" value=${newCode} onInput=${setNewCode} />
        <label class="field"><span class="field__label">${t("checklist.severity")}</span>
          <select class="field__input" value=${newSeverity} onChange=${(/** @type {Event} */ e) => setNewSeverity(valueOf(e))}>
            ${SEVERITIES.map((s) => html`<option key=${s} value=${s}>${label("severity", s)}</option>`)}
          </select></label>
      </div>
      <${Field} label=${t("checklist.name")} name="item_name" value=${newName} onInput=${setNewName} />
      <label class="field"><span class="field__label">${t("checklist.category")}</span>
        <input class="field__input" name="item_category" list="checklist-categories" value=${newCategory}
          onInput=${(/** @type {Event} */ e) => setNewCategory(valueOf(e))} />
        <datalist id="checklist-categories">${categories.map((c) => html`<option key=${c} value=${c} />`)}</datalist>
      </label>
    </fieldset>
    <fieldset class="field">
      <legend class="field__label">${t("settings.deadlines")}</legend>
      <span class="field__hint">${t("checklist.deadlinesHint")}</span>
      <div class="field__row">
        ${SEVERITIES.map((s) => html`<${Field} key=${s} label=${label("severity", s)} name=${`days_${s}`} inputmode="numeric" value=${days[s]}
          onInput=${(/** @type {string} */ v) => setDays({ ...days, [s]: v })} />`)}
      </div>
    </fieldset>
    <${Field} label=${t("checklist.note")} hint=${t("checklist.noteHint")} name="checklist_note" value=${note} onInput=${setNote} />
    <button type="submit" class="btn btn--primary btn--block" disabled=${submit.busy} data-testid="checklist-save">${t("checklist.save")}</button>
    <${Outcome} state=${submit} testid="checklist" />
  </form>`;
}
