// Property settings with what each one does, in one line: shift times, the photo upload deadline,
// the loan return time, renovation notice deadlines by severity, the tolerated clock skew. The
// phone checks only the shape; the server's own validation decides, and its refusal is shown
// under the field it names. An empty box means the product default.
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { t } from "../../i18n.js";
import { Field, Outcome, patchFresh, useSubmit } from "./common.js";
import { SEVERITIES, settingsFieldOf, settingsForm, settingsPatch } from "./rules.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").Property} Property */
/** @typedef {import("./rules.js").SettingsForm} SettingsForm */

/** @type {{ key: keyof SettingsForm, type: "time" | "number" }[]} */
const FIELDS = [
  { key: "day_shift_start", type: "time" },
  { key: "day_shift_end", type: "time" },
  { key: "late_shift_end", type: "time" },
  { key: "night_handover", type: "time" },
  { key: "upload_deadline", type: "time" },
  { key: "loan_return_time", type: "time" },
  { key: "clock_skew_minutes", type: "number" },
];

/** @param {{ user: User, property: Property }} props */
export function SettingsSection({ property }) {
  const [current, setCurrent] = useState(property);
  const [form, setForm] = useState(() => settingsForm(property));
  const [shapeErrors, setShapeErrors] = useState(/** @type {Partial<Record<keyof SettingsForm, string>>} */ ({}));
  const submit = useSubmit();
  /** @param {keyof SettingsForm} key @returns {(value: string) => void} */
  const set = (key) => (value) => setForm({ ...form, [key]: value });

  /** @type {Partial<Record<keyof SettingsForm, string>>} */
  const serverErrors = {};
  for (const [field, message] of Object.entries(submit.fields)) {
    const box = settingsFieldOf(field);
    if (box) serverErrors[box] = message;
  }
  /** @param {keyof SettingsForm} key */
  const errorOf = (key) => shapeErrors[key] ?? serverErrors[key];

  /** @param {Event} e */
  async function save(e) {
    e.preventDefault();
    const { body, errors } = settingsPatch(current.settings ?? {}, form);
    /** @type {Partial<Record<keyof SettingsForm, string>>} */
    const messages = {};
    for (const [key, kind] of Object.entries(errors)) messages[/** @type {keyof SettingsForm} */ (key)] = t(kind === "time" ? "settings.badTime" : "settings.badNumber");
    setShapeErrors(messages);
    if (Object.keys(messages).length > 0) return;
    const saved = /** @type {Property | null} */ (await submit.run(() => patchFresh(`/properties/${property.id}`, body), () => t("setup.saved")));
    if (saved) {
      setCurrent(saved);
      setForm(settingsForm(saved));
    }
  }

  return html`
    <form class="setup-section form" onSubmit=${save} data-testid="setup-settings">
      <h2 class="section-title">${t("setup.section.settings")}</h2>
      <div class="setup-grid">
        ${FIELDS.map(
          ({ key, type }) => html`<${Field} key=${key} label=${t(/** @type {any} */ (`settings.${key}`))} hint=${t(/** @type {any} */ (`settings.${key}.hint`))}
            name=${key} type=${type === "time" ? "time" : "text"} inputmode=${type === "number" ? "decimal" : undefined}
            value=${form[key]} onInput=${set(key)} error=${errorOf(key)} />`,
        )}
      </div>
      <fieldset class="field">
        <legend class="field__label">${t("settings.deadlines")}</legend>
        <span class="field__hint">${t("settings.deadlines.hint")}</span>
        <div class="field__row">
          ${SEVERITIES.map((s) => {
            const key = /** @type {keyof SettingsForm} */ (`deadline_${s}`);
            return html`<${Field} key=${s} label=${t(/** @type {any} */ (`severity.${s}`))} name=${key} inputmode="numeric" value=${form[key]} onInput=${set(key)} error=${shapeErrors[key]} />`;
          })}
        </div>
        ${serverErrors.deadline_critical && html`<span class="field__error" data-testid="error-deadlines">${serverErrors.deadline_critical}</span>`}
      </fieldset>
      <button type="submit" class="btn btn--primary btn--block" disabled=${submit.busy} data-testid="settings-save">${t("setup.save")}</button>
      <${Outcome} state=${submit} testid="settings" />
    </form>
  `;
}
