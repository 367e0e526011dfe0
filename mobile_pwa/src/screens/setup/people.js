// People of one property: create staff accounts with their role here, add or remove roles, set a
// new password (the server ends their sessions and makes them change it at the next sign-in),
// deactivate. Every refusal is the server's, in words (e.g. a username already taken, a password
// too short, a property administrator trying to make a company administrator).
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { ROLE_ORDER } from "../../roles.js";
import { newUuid } from "../../session.js";
import { LoadState, label, useLoad } from "../roles/common.js";
import { Field, Outcome, listAll, patchFresh, useSubmit, valueOf } from "./common.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").Property} Property */
/** @typedef {import("../../types/contract").StaffUser} StaffUser */
/** @typedef {import("../../types/contract").Role} Role */

/** @param {{ user: User, property: Property }} props */
export function PeopleSection({ user, property }) {
  const pid = property.id ?? 0;
  const state = useLoad(() => /** @type {Promise<StaffUser[]>} */ (listAll(`/users?property_id=${pid}`)), [pid]);
  const people = [...(state.data ?? [])].sort((a, b) => (a.display_name ?? "").localeCompare(b.display_name ?? "", "zh-CN"));
  return html`
    <div class="setup-section" data-testid="setup-people">
      <h2 class="section-title">${t("setup.section.people")}</h2>
      <${LoadState} state=${state} />
      ${state.data && people.length === 0 && html`<p class="card__meta">${t("people.none")}</p>`}
      <ul class="plain-list" data-testid="people">
        ${people.map((p) => html`<${Person} key=${p.id} person=${p} propertyId=${pid} me=${user} onChanged=${state.reload} />`)}
      </ul>
      <${NewPerson} propertyId=${pid} onCreated=${state.reload} />
    </div>
  `;
}

/** @param {{ propertyId: number, onCreated: () => void }} props */
function NewPerson({ propertyId, onCreated }) {
  const [username, setUsername] = useState("");
  const [name, setName] = useState("");
  const [phone, setPhone] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState(/** @type {Role} */ ("floor_manager"));
  const submit = useSubmit();
  /** @param {Event} e */
  async function create(e) {
    e.preventDefault();
    const body = {
      client_id: newUuid(),
      username: username.trim(),
      display_name: name.trim(),
      phone: phone.trim(),
      password,
      assignments: [{ property_id: propertyId, role }],
    };
    const created = await submit.run(
      () => /** @type {Promise<StaffUser>} */ (apiFetch("/users", { method: "POST", body })),
      (u) => t("people.created", { name: u.display_name ?? "", username: u.username ?? "" }),
    );
    if (created) {
      setUsername("");
      setName("");
      setPhone("");
      setPassword("");
      onCreated();
    }
  }
  return html`<form class="card card--panel form" onSubmit=${create} data-testid="person-form">
    <h3 class="card__title">${t("people.new")}</h3>
    <${Field} label=${t("people.name")} name="person_name" value=${name} onInput=${setName} required=${true} error=${submit.fields.display_name} />
    <${Field} label=${t("people.username")} hint=${t("people.usernameHint")} name="person_username" value=${username} onInput=${setUsername} required=${true} error=${submit.fields.username} />
    <${Field} label=${t("people.phone")} name="person_phone" type="tel" value=${phone} onInput=${setPhone} error=${submit.fields.phone} />
    <${Field} label=${t("people.initialPassword")} hint=${t("people.passwordHint")} name="person_password" value=${password} onInput=${setPassword} required=${true} autocomplete="new-password" error=${submit.fields.password} />
    <${RolePicker} value=${role} onChange=${setRole} name="person_role" />
    <button type="submit" class="btn btn--primary btn--block" disabled=${submit.busy} data-testid="person-create">${t("setup.create")}</button>
    <${Outcome} state=${submit} testid="person" />
  </form>`;
}

/** @param {{ value: Role, onChange: (role: Role) => void, name: string }} props */
function RolePicker({ value, onChange, name }) {
  return html`<label class="field">
    <span class="field__label">${t("people.role")}</span>
    <select class="field__input" name=${name} value=${value} onChange=${(/** @type {Event} */ e) => onChange(/** @type {Role} */ (valueOf(e)))}>
      ${ROLE_ORDER.map((r) => html`<option key=${r} value=${r}>${label("role", r)}</option>`)}
    </select>
  </label>`;
}

/** @param {{ person: StaffUser, propertyId: number, me: User, onChanged: () => void }} props */
function Person({ person, propertyId, me, onChanged }) {
  const here = (person.assignments ?? []).filter((a) => a.property_id === propertyId);
  const [panel, setPanel] = useState(/** @type {"" | "password" | "role"} */ (""));
  const [password, setPassword] = useState("");
  const [role, setRole] = useState(/** @type {Role} */ ("floor_manager"));
  const submit = useSubmit();
  const path = `/users/${person.id}`;
  const self = person.id === me.id;

  /** @param {Event} e */
  async function resetPassword(e) {
    e.preventDefault();
    const ok = await submit.run(
      () => apiFetch(`${path}/password`, { method: "POST", body: { new_password: password } }).then(() => true),
      () => t("people.passwordReset", { name: person.display_name ?? "" }),
    );
    if (ok) {
      setPassword("");
      setPanel("");
      onChanged();
    }
  }
  /** @param {Event} e */
  async function addRole(e) {
    e.preventDefault();
    const ok = await submit.run(() => apiFetch(`${path}/assignments`, { method: "POST", body: { client_id: newUuid(), property_id: propertyId, role } }));
    if (ok) {
      setPanel("");
      onChanged();
    }
  }
  /** @param {number} assignmentId @param {string} [role] */
  async function removeRole(assignmentId, role = "") {
    if (!window.confirm(t("people.confirmRemove", { name: person.display_name ?? "", role }))) return;
    if (await submit.run(() => apiFetch(`${path}/assignments/${assignmentId}`, { method: "DELETE" }).then(() => true))) onChanged();
  }
  async function toggleActive() {
    const active = person.active === false;
    if (!active && !window.confirm(t("people.confirmDeactivate", { name: person.display_name ?? "" }))) return;
    const ok = await submit.run(
      () => patchFresh(path, { active }),
      () => (active ? t("people.reactivated", { name: person.display_name ?? "" }) : t("people.deactivated", { name: person.display_name ?? "" })),
    );
    if (ok) onChanged();
  }

  return html`<li data-testid="person-row" data-username=${person.username}>
    <div class="row-head">
      <strong>${person.display_name}</strong>
      <span class="card__meta">${person.username}${person.phone ? ` · ${person.phone}` : ""}</span>
    </div>
    <p class="card__meta">
      ${person.active === false && html`<span class="flag">${t("people.inactive")} · </span>`}
      ${person.must_change_password && html`<span data-testid="must-change">${t("people.mustChange")} · </span>`}
      ${person.is_admin && html`<span>${t("people.companyAdmin")} · </span>`}
    </p>
    <ul class="chips chips--inline">
      ${here.map(
        (a) => html`<li key=${a.id} class="chip chip--small">
          ${label("role", a.role)}
          <button type="button" class="chip__remove" aria-label=${t("people.removeRole", { role: label("role", a.role) })}
            disabled=${submit.busy} onClick=${() => removeRole(a.id ?? 0, label("role", a.role))}>×</button>
        </li>`,
      )}
    </ul>
    <div class="row-actions">
      <button type="button" class="btn btn--ghost" onClick=${() => setPanel(panel === "role" ? "" : "role")} data-testid="person-add-role">${t("people.addRole")}</button>
      <button type="button" class="btn btn--ghost" onClick=${() => setPanel(panel === "password" ? "" : "password")} data-testid="person-reset">${t("people.resetPassword")}</button>
      ${!self && html`<button type="button" class="btn btn--ghost" disabled=${submit.busy} onClick=${toggleActive} data-testid="person-active">
        ${person.active === false ? t("people.reactivate") : t("people.deactivate")}</button>`}
    </div>
    ${panel === "role" && html`<form class="form form--inline" onSubmit=${addRole}>
      <${RolePicker} value=${role} onChange=${setRole} name=${`role_${person.id}`} />
      <button type="submit" class="btn btn--primary" disabled=${submit.busy}>${t("people.addRole")}</button>
    </form>`}
    ${panel === "password" && html`<form class="form form--inline" onSubmit=${resetPassword}>
      <${Field} label=${t("people.newPassword")} hint=${t("people.resetHint")} name=${`password_${person.id}`} value=${password} onInput=${setPassword}
        required=${true} autocomplete="new-password" error=${submit.fields.new_password} />
      <button type="submit" class="btn btn--primary" disabled=${submit.busy} data-testid="person-reset-save">${t("setup.save")}</button>
    </form>`}
    <${Outcome} state=${submit} />
  </li>`;
}
