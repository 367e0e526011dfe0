// Property structure: buildings, their floors and units — add, edit, or import the whole
// structure file (schemas/property_structure.schema.json) picked on the phone or the desk; a file
// the server refuses is listed problem by problem with its line.
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { newUuid } from "../../session.js";
import { LoadState, label, useLoad } from "../roles/common.js";
import { Field, Outcome, listAll, nameOf, patchFresh, useSubmit, valueOf } from "./common.js";
import { fileFormat } from "./rules.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").Property} Property */
/** @typedef {import("../../types/contract").Building} Building */
/** @typedef {import("../../types/contract").Floor} Floor */
/** @typedef {import("../../types/contract").Unit} Unit */
/** @typedef {import("../../types/contract").StructureImportResult} StructureImportResult */

const UNIT_KINDS = /** @type {const} */ (["residential", "commercial", "office", "other"]);

/** @param {{ user: User, property: Property }} props */
export function StructureSection({ property }) {
  const pid = property.id ?? 0;
  const state = useLoad(() => /** @type {Promise<Building[]>} */ (listAll(`/buildings?property_id=${pid}`)), [pid]);
  const buildings = state.data ?? [];
  return html`
    <div class="setup-section" data-testid="setup-structure">
      <h2 class="section-title">${t("setup.section.structure")}</h2>
      <${LoadState} state=${state} />
      ${state.data && buildings.length === 0 && html`<p class="card__meta" data-testid="buildings-none">${t("structure.none")}</p>`}
      <ul class="plain-list" data-testid="buildings">
        ${buildings.map((b) => html`<${BuildingRow} key=${b.id} building=${b} onChanged=${state.reload} />`)}
      </ul>
      <div class="setup-grid">
        <${NewBuilding} propertyId=${pid} onCreated=${state.reload} />
        <${ImportFile} property=${property} onImported=${state.reload} />
      </div>
    </div>
  `;
}

/** @param {{ propertyId: number, onCreated: () => void }} props */
function NewBuilding({ propertyId, onCreated }) {
  const [code, setCode] = useState("");
  const [nameZh, setNameZh] = useState("");
  const [nameEn, setNameEn] = useState("");
  const submit = useSubmit();
  /** @param {Event} e */
  async function create(e) {
    e.preventDefault();
    const body = { client_id: newUuid(), property_id: propertyId, code: code.trim(), name_zh: nameZh.trim(), name_en: nameEn.trim() };
    const created = await submit.run(
      () => /** @type {Promise<Building>} */ (apiFetch("/buildings", { method: "POST", body })),
      (b) => t("structure.created", { code: b.code ?? "" }),
    );
    if (created) {
      setCode("");
      setNameZh("");
      setNameEn("");
      onCreated();
    }
  }
  return html`<form class="card card--panel form" onSubmit=${create} data-testid="building-form">
    <h3 class="card__title">${t("structure.newBuilding")}</h3>
    <${Field} label=${t("setup.code")} hint=${t("structure.codeHint")} name="building_code" value=${code} onInput=${setCode} required=${true} error=${submit.fields.code} />
    <${Field} label=${t("setup.nameZh")} name="building_name_zh" value=${nameZh} onInput=${setNameZh} required=${true} error=${submit.fields.name_zh} />
    <${Field} label=${t("setup.nameEn")} name="building_name_en" value=${nameEn} onInput=${setNameEn} error=${submit.fields.name_en} />
    <button type="submit" class="btn btn--primary btn--block" disabled=${submit.busy} data-testid="building-create">${t("setup.create")}</button>
    <${Outcome} state=${submit} testid="building" />
  </form>`;
}

/** @param {{ building: Building, onChanged: () => void }} props */
function BuildingRow({ building, onChanged }) {
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  return html`<li data-testid="building-row" data-code=${building.code}>
    <div class="row-head">
      <strong>${building.code} · ${nameOf(building)}</strong>
      <span class="row-actions">
        <button type="button" class="btn btn--ghost" onClick=${() => setEditing(!editing)} data-testid="building-edit">${t("setup.edit")}</button>
        <button type="button" class="btn btn--secondary" aria-expanded=${open} onClick=${() => setOpen(!open)} data-testid="building-floors">${t("structure.floors")}</button>
      </span>
    </div>
    ${editing && html`<${EditNames} path=${`/buildings/${building.id}`} item=${building} withCode=${true} onSaved=${() => (setEditing(false), onChanged())} />`}
    ${open && html`<${Floors} building=${building} />`}
  </li>`;
}

/**
 * Edit a building's (code and) names with the record's current ETag.
 * @param {{ path: string, item: { code?: string, name_zh?: string, name_en?: string }, withCode: boolean, onSaved: () => void }} props
 */
function EditNames({ path, item, withCode, onSaved }) {
  const [code, setCode] = useState(item.code ?? "");
  const [nameZh, setNameZh] = useState(item.name_zh ?? "");
  const [nameEn, setNameEn] = useState(item.name_en ?? "");
  const submit = useSubmit();
  /** @param {Event} e */
  async function save(e) {
    e.preventDefault();
    /** @type {Record<string, string>} */
    const body = { name_zh: nameZh.trim(), name_en: nameEn.trim() };
    if (withCode) body.code = code.trim();
    if (await submit.run(() => patchFresh(path, body))) onSaved();
  }
  return html`<form class="form" onSubmit=${save}>
    ${withCode && html`<${Field} label=${t("setup.code")} name="edit_code" value=${code} onInput=${setCode} error=${submit.fields.code} />`}
    <${Field} label=${t("setup.nameZh")} name="edit_name_zh" value=${nameZh} onInput=${setNameZh} error=${submit.fields.name_zh} />
    <${Field} label=${t("setup.nameEn")} name="edit_name_en" value=${nameEn} onInput=${setNameEn} error=${submit.fields.name_en} />
    <button type="submit" class="btn btn--primary" disabled=${submit.busy}>${t("setup.save")}</button>
    <${Outcome} state=${submit} />
  </form>`;
}

/** @param {{ building: Building }} props */
function Floors({ building }) {
  const state = useLoad(async () => {
    const [floors, units] = await Promise.all([
      /** @type {Promise<Floor[]>} */ (listAll(`/buildings/${building.id}/floors`)),
      /** @type {Promise<Unit[]>} */ (listAll(`/units?building_id=${building.id}`)),
    ]);
    return { floors: [...floors].sort((a, b) => (a.level ?? 0) - (b.level ?? 0)), units };
  }, [building.id]);
  const [level, setLevel] = useState("");
  const [name, setName] = useState("");
  const submit = useSubmit();
  /** @param {Event} e */
  async function add(e) {
    e.preventDefault();
    const body = { client_id: newUuid(), level: Number(level), name: name.trim() || `${level}F` };
    if (await submit.run(() => apiFetch(`/buildings/${building.id}/floors`, { method: "POST", body }))) {
      setLevel("");
      setName("");
      state.reload();
    }
  }
  const data = state.data;
  return html`<div class="nested" data-testid="floors">
    <${LoadState} state=${state} />
    ${data && data.floors.length === 0 && html`<p class="card__meta">${t("structure.noFloors")}</p>`}
    <ul class="plain-list">
      ${data?.floors.map(
        (f) => html`<${FloorRow} key=${f.id} floor=${f} units=${data.units.filter((u) => u.floor_id === f.id)} onChanged=${state.reload} />`,
      )}
    </ul>
    <form class="form form--inline" onSubmit=${add} data-testid="floor-form">
      <${Field} label=${t("structure.level")} hint=${t("structure.levelHint")} name="floor_level" type="number" inputmode="numeric" value=${level} onInput=${setLevel} required=${true} error=${submit.fields.level} />
      <${Field} label=${t("structure.floorName")} name="floor_name" value=${name} onInput=${setName} placeholder=${level ? `${level}F` : ""} error=${submit.fields.name} />
      <button type="submit" class="btn btn--secondary" disabled=${submit.busy} data-testid="floor-create">${t("structure.addFloor")}</button>
    </form>
    <${Outcome} state=${submit} />
  </div>`;
}

/** @param {{ floor: Floor, units: Unit[], onChanged: () => void }} props */
function FloorRow({ floor, units, onChanged }) {
  const [number, setNumber] = useState("");
  const [kind, setKind] = useState(/** @type {typeof UNIT_KINDS[number]} */ ("residential"));
  const [renaming, setRenaming] = useState(false);
  const [editUnit, setEditUnit] = useState(/** @type {number | null} */ (null));
  const [floorName, setFloorName] = useState(floor.name ?? "");
  const submit = useSubmit();
  /** @param {Event} e */
  async function addUnit(e) {
    e.preventDefault();
    const body = { client_id: newUuid(), number: number.trim(), kind };
    if (await submit.run(() => apiFetch(`/floors/${floor.id}/units`, { method: "POST", body }))) {
      setNumber("");
      onChanged();
    }
  }
  /** @param {Event} e */
  async function rename(e) {
    e.preventDefault();
    if (await submit.run(() => patchFresh(`/floors/${floor.id}`, { name: floorName.trim() }))) {
      setRenaming(false);
      onChanged();
    }
  }
  return html`<li data-testid="floor-row">
    <div class="row-head">
      <strong>${floor.name} (${t("structure.levelShort", { level: floor.level ?? 0 })})</strong>
      <button type="button" class="btn btn--ghost" onClick=${() => setRenaming(!renaming)}>${t("setup.edit")}</button>
    </div>
    ${renaming && html`<form class="form form--inline" onSubmit=${rename}>
      <${Field} label=${t("structure.floorName")} name="floor_rename" value=${floorName} onInput=${setFloorName} error=${submit.fields.name} />
      <button type="submit" class="btn btn--primary" disabled=${submit.busy}>${t("setup.save")}</button>
    </form>`}
    ${units.length === 0
      ? html`<p class="card__meta" data-testid="units">${t("structure.noUnits")}</p>`
      : html`<ul class="chips chips--inline" data-testid="units">
          ${units.map(
            (u) => html`<li key=${u.id}><button type="button" class="chip chip--small chip--button" aria-expanded=${editUnit === u.id}
              onClick=${() => setEditUnit(editUnit === u.id ? null : u.id ?? null)} data-testid="unit-chip">
              ${u.number}${u.kind && u.kind !== "residential" ? ` (${label("unit.kind", u.kind)})` : ""}</button></li>`,
          )}
        </ul>`}
    ${editUnit !== null && html`<${EditUnit} key=${editUnit} unit=${units.find((u) => u.id === editUnit) ?? {}} onSaved=${() => (setEditUnit(null), onChanged())} />`}
    <form class="form form--inline" onSubmit=${addUnit} data-testid="unit-form">
      <${Field} label=${t("structure.unitNumber")} name="unit_number" value=${number} onInput=${setNumber} required=${true} error=${submit.fields.number} />
      <label class="field">
        <span class="field__label">${t("structure.unitKind")}</span>
        <select class="field__input" value=${kind} onChange=${(/** @type {Event} */ e) => setKind(/** @type {any} */ (valueOf(e)))}>
          ${UNIT_KINDS.map((k) => html`<option key=${k} value=${k}>${label("unit.kind", k)}</option>`)}
        </select>
      </label>
      <button type="submit" class="btn btn--secondary" disabled=${submit.busy} data-testid="unit-create">${t("structure.addUnit")}</button>
    </form>
    <${Outcome} state=${submit} />
  </li>`;
}

/** A unit's number, kind and owner. @param {{ unit: Unit, onSaved: () => void }} props */
function EditUnit({ unit, onSaved }) {
  const [number, setNumber] = useState(unit.number ?? "");
  const [kind, setKind] = useState(unit.kind ?? "residential");
  const [owner, setOwner] = useState(unit.owner_name ?? "");
  const [phone, setPhone] = useState(unit.owner_phone ?? "");
  const submit = useSubmit();
  /** @param {Event} e */
  async function save(e) {
    e.preventDefault();
    const body = { number: number.trim(), kind, owner_name: owner.trim(), owner_phone: phone.trim() };
    if (await submit.run(() => patchFresh(`/units/${unit.id}`, body))) onSaved();
  }
  return html`<form class="form form--inline" onSubmit=${save} data-testid="unit-edit">
    <${Field} label=${t("structure.unitNumber")} name="unit_edit_number" value=${number} onInput=${setNumber} error=${submit.fields.number} />
    <label class="field">
      <span class="field__label">${t("structure.unitKind")}</span>
      <select class="field__input" value=${kind} onChange=${(/** @type {Event} */ e) => setKind(/** @type {any} */ (valueOf(e)))}>
        ${UNIT_KINDS.map((k) => html`<option key=${k} value=${k}>${label("unit.kind", k)}</option>`)}
      </select>
    </label>
    <${Field} label=${t("structure.owner")} name="unit_edit_owner" value=${owner} onInput=${setOwner} error=${submit.fields.owner_name} />
    <${Field} label=${t("structure.ownerPhone")} name="unit_edit_phone" type="tel" value=${phone} onInput=${setPhone} error=${submit.fields.owner_phone} />
    <button type="submit" class="btn btn--primary" disabled=${submit.busy} data-testid="unit-save">${t("setup.save")}</button>
    <${Outcome} state=${submit} />
  </form>`;
}

/** @param {{ property: Property, onImported: () => void }} props */
function ImportFile({ property, onImported }) {
  const submit = useSubmit();
  /** @param {Event} e */
  async function pick(e) {
    const input = /** @type {HTMLInputElement} */ (e.currentTarget);
    const file = input.files?.[0];
    if (!file) return;
    const content = await file.text();
    input.value = ""; // the same file, corrected, can be picked again
    const result = await submit.run(
      () =>
        /** @type {Promise<StructureImportResult>} */ (
          apiFetch(`/properties/${property.id}/structure/import`, { method: "POST", body: { format: fileFormat(file.name), content } })
        ),
      (r) => t("structure.imported", { summary: summary(r.counts ?? {}) }),
    );
    if (result) onImported();
  }
  return html`<div class="card card--panel form" data-testid="structure-import">
    <h3 class="card__title">${t("structure.import")}</h3>
    <p class="card__meta">${t("structure.importHint", { code: property.code ?? "" })}</p>
    <label class="btn btn--secondary btn--block file-pick">
      ${submit.busy ? t("setup.working") : t("setup.pickFile")}
      <input type="file" accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml" onChange=${pick} data-testid="structure-file" class="visually-hidden" />
    </label>
    <${Outcome} state=${submit} testid="structure-import" />
  </div>`;
}

/** "2 buildings created, 10 units created" from the server's counts. @param {Record<string, number>} counts */
function summary(counts) {
  const parts = Object.entries(counts)
    .filter(([key, n]) => key !== "property_id" && n > 0)
    .map(([key, n]) => `${label("structure.count", key)} ${n}`);
  return parts.length > 0 ? parts.join(t("app.listSeparator")) : t("structure.nothingChanged");
}
