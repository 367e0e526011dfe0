// Administrator at home: each property they administer with its set-up link and, until it is set
// up, the first-run guide (ticked from real data); a company administrator can add a property.
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { newUuid } from "../../session.js";
import { navigate } from "../../router.js";
import { LoadState, useLoad } from "./common.js";
import { Field, Outcome, listAll, nameOf, useSubmit } from "../setup/common.js";
import { Guide } from "../setup/guide.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").Property} Property */

/** @param {{ user: User }} props */
export function AdminPanel({ user }) {
  const administered = new Set((user.assignments ?? []).filter((a) => a.role === "admin").map((a) => a.property_id));
  const state = useLoad(async () => {
    const all = /** @type {Property[]} */ (await listAll("/properties"));
    return user.is_admin ? all : all.filter((p) => administered.has(p.id ?? 0));
  });
  const properties = state.data ?? [];
  return html`
    <div class="panel" data-testid="panel-admin">
      <${LoadState} state=${state} />
      ${state.data && properties.length === 0 &&
      html`<p class="card__meta" data-testid="admin-no-properties">${user.is_admin ? t("admin.noProperties") : t("admin.noPropertiesAsk")}</p>`}
      ${properties.map(
        (p) => html`<div key=${p.id} class="admin-property" data-testid="admin-property">
          <${Guide} property=${p} />
          <a class="btn btn--primary btn--block" href=${`#/setup/${p.id}`} data-testid="setup-link">${t("admin.setUp", { name: nameOf(p) })}</a>
        </div>`,
      )}
      ${user.is_admin && html`<${NewProperty} />`}
    </div>
  `;
}

/** A new property: code and name are enough; everything else has a default and a set-up screen. */
function NewProperty() {
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const submit = useSubmit();
  if (!open) {
    return html`<button type="button" class="btn btn--secondary btn--block" onClick=${() => setOpen(true)} data-testid="property-new">${t("admin.newProperty")}</button>`;
  }
  /** @param {Event} e */
  async function create(e) {
    e.preventDefault();
    const created = /** @type {Property | null} */ (
      await submit.run(() => apiFetch("/properties", { method: "POST", body: { client_id: newUuid(), code: code.trim(), name_zh: name.trim() } }))
    );
    if (created?.id) navigate(`/setup/${created.id}`);
  }
  return html`<form class="card card--panel form" onSubmit=${create} data-testid="property-form">
    <h3 class="card__title">${t("admin.newProperty")}</h3>
    <${Field} label=${t("setup.code")} hint=${t("admin.codeHint")} name="property_code" value=${code} onInput=${setCode} required=${true} error=${submit.fields.code} />
    <${Field} label=${t("setup.nameZh")} name="property_name" value=${name} onInput=${setName} required=${true} error=${submit.fields.name_zh} />
    <button type="submit" class="btn btn--primary btn--block" disabled=${submit.busy}>${t("setup.create")}</button>
    <${Outcome} state=${submit} />
  </form>`;
}
