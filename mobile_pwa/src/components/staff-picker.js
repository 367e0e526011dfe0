// Picks a colleague on duty at a property (the spot check's guard, the handover's incoming
// person) from the server's duty-staff list, by name; the value is their account number, as
// when it was typed. The list is reference data: kept in localStorage per user and property so
// the picker works in a basement, and "输入账号" stays as the fallback (no list yet, a new
// colleague, or a role the list leaves out).
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { apiFetch } from "../api.js";
import { t } from "../i18n.js";
import { readItem, writeItem } from "../storage.js";
import { label } from "../screens/roles/common.js";

/** @typedef {import("../types/contract").DutyStaff} DutyStaff */
/** @typedef {import("../types/contract").DutyStaffList} DutyStaffList */

const OTHER = "other";

/**
 * @param {string | number | null} userId whose copy it is (a shared phone keeps one per person)
 * @param {number} propertyId
 * @param {string} [role]
 */
export function staffCacheKey(userId, propertyId, role) {
  return `xj.dutyStaff.${userId ?? "-"}.${propertyId}${role ? `.${role}` : ""}`;
}

/**
 * The server's list, else (offline, or the server unreachable) the copy kept from the last read;
 * null when neither exists or the server refuses (a role that may not list staff types instead).
 * @param {string} key
 * @param {string} path
 * @returns {Promise<DutyStaff[] | null>}
 */
export async function loadStaff(key, path) {
  try {
    const list = /** @type {DutyStaffList} */ (await apiFetch(path));
    writeItem(key, JSON.stringify(list.items ?? []));
    return list.items ?? [];
  } catch (error) {
    if (/** @type {{ status?: number }} */ (error)?.status !== 0) return null;
    try {
      const kept = JSON.parse(readItem(key) ?? "null");
      return Array.isArray(kept) ? kept : null;
    } catch {
      return null;
    }
  }
}

/**
 * @param {{ userId: string | number | null, propertyId: number, role?: string, exclude?: number | null,
 *   value: string, onChange: (accountNumber: string) => void, typedLabel: string, testid: string }} props
 */
export function StaffPicker({ userId, propertyId, role, exclude = null, value, onChange, typedLabel, testid }) {
  const [staff, setStaff] = useState(/** @type {DutyStaff[] | null} */ (null));
  const [typing, setTyping] = useState(false);
  useEffect(() => {
    let live = true;
    const query = role ? `?role=${role}` : "";
    loadStaff(staffCacheKey(userId, propertyId, role), `/patrol/properties/${propertyId}/duty-staff${query}`).then((list) => live && setStaff(list));
    return () => void (live = false);
  }, [userId, propertyId, role]);
  const people = (staff ?? []).filter((p) => p.id !== exclude);
  const listed = people.some((p) => String(p.id) === value);
  const showTyped = people.length === 0 || typing || (value !== "" && !listed);
  return html`<div class="form" data-testid=${`${testid}-picker`}>
    ${people.length > 0 &&
    html`<label class="field"><span class="field__label">${t("staff.pick")}</span>
      <select class="field__input" data-testid=${`${testid}-pick`} value=${showTyped ? OTHER : value}
        onChange=${(/** @type {Event} */ e) => {
          const chosen = /** @type {HTMLSelectElement} */ (e.currentTarget).value;
          setTyping(chosen === OTHER);
          onChange(chosen === OTHER ? "" : chosen);
        }}>
        <option value="" disabled>${t("staff.choose")}</option>
        ${people.map((p) => html`<option key=${p.id} value=${String(p.id)}>${p.display_name} · ${(p.roles ?? []).map((r) => label("role", r)).join("、")}</option>`)}
        <option value=${OTHER}>${t("staff.typeInstead")}</option>
      </select></label>`}
    ${showTyped &&
    html`<label class="field"><span class="field__label">${typedLabel}</span>
      <input class="field__input" inputmode="numeric" maxlength="12" value=${value} data-testid=${testid}
        onInput=${(/** @type {Event} */ e) => onChange(/** @type {HTMLInputElement} */ (e.currentTarget).value)} /></label>`}
  </div>`;
}
