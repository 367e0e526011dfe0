// Patrol routes: checkpoints in walking order, the time windows a round must start in (with the
// tolerance before it counts as late), who may run them; the route file (import / export) for
// editing many at a desk; and a preview of today's rounds as the server schedules them.
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { newUuid } from "../../session.js";
import { LoadState, label, useLoad } from "../roles/common.js";
import { Field, Outcome, download, listAll, nameOf, useSubmit, valueOf } from "./common.js";
import { fileFormat, hhmm, routeWindow } from "./rules.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").Property} Property */
/** @typedef {import("../../types/contract").Checkpoint} Checkpoint */
/** @typedef {import("../../types/contract").PatrolRoute} PatrolRoute */
/** @typedef {import("../../types/contract").StaffUser} StaffUser */
/** @typedef {import("../../types/contract").DayBoard} DayBoard */
/** @typedef {import("../../types/contract").RouteImportResult} RouteImportResult */
/** @typedef {import("../../types/contract").Role} Role */
/** @typedef {{ start: string, end: string, start_tolerance_minutes: number, weekdays: number[] }} Window */

const PATROL_ROLES = /** @type {const} */ (["floor_manager", "night_duty", "guard", "supervisor"]);
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

/** HH:MM of an ISO time on the phone's clock. @param {string | null | undefined} iso */
function clock(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso.slice(0, 5);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** @param {Window} w */
function windowText(w) {
  const days = w.weekdays.length === 7 ? t("routes.everyDay") : w.weekdays.map((d) => label("weekday", String(d))).join(t("app.listSeparator"));
  return t("routes.windowText", { start: hhmm(w.start), end: hhmm(w.end), days, tolerance: w.start_tolerance_minutes });
}

/** @param {{ user: User, property: Property }} props */
export function RoutesSection({ property }) {
  const pid = property.id ?? 0;
  const state = useLoad(async () => {
    const [routes, checkpoints, staff] = await Promise.all([
      /** @type {Promise<PatrolRoute[]>} */ (listAll(`/patrol/properties/${pid}/routes`)),
      /** @type {Promise<Checkpoint[]>} */ (listAll(`/patrol/properties/${pid}/checkpoints?active=true`)),
      /** @type {Promise<StaffUser[]>} */ (listAll(`/users?property_id=${pid}`).catch(() => [])),
    ]);
    return { routes, checkpoints, staff };
  }, [pid]);
  const data = state.data;
  const byId = new Map((data?.checkpoints ?? []).map((c) => [c.id, c]));
  const names = new Map((data?.staff ?? []).map((u) => [u.id, u.display_name ?? u.username ?? ""]));
  return html`
    <div class="setup-section" data-testid="setup-routes">
      <h2 class="section-title">${t("setup.section.routes")}</h2>
      <${LoadState} state=${state} />
      ${data && data.routes.length === 0 && html`<p class="card__meta" data-testid="routes-none">${data.checkpoints.length === 0 ? t("routes.noneNoCheckpoints") : t("routes.none")}</p>`}
      <ul class="plain-list" data-testid="routes">
        ${data?.routes.map(
          (r) => html`<li key=${r.id} data-testid="route-setup-row" data-code=${r.code}>
            <strong>${r.code} · ${nameOf(r)}${r.active === false ? ` · ${t("cp.inactive")}` : ""}</strong>
            <span class="card__meta">${(r.stops ?? []).map((s) => byId.get(s.checkpoint_id)?.code ?? `#${s.checkpoint_id}`).join(" → ")}</span>
            <span class="card__meta">${(r.windows ?? []).length === 0 ? t("routes.anyTime") : (r.windows ?? []).map((w) => windowText(/** @type {Window} */ (w))).join("；")}</span>
            <span class="card__meta">${t("routes.whoList", { who: whoText(r, names) })}</span>
          </li>`,
        )}
      </ul>
      ${data && data.checkpoints.length > 0 && html`<${NewRoute} propertyId=${pid} checkpoints=${data.checkpoints} staff=${data.staff} onCreated=${state.reload} />`}
      <div class="setup-grid">
        <${RouteFile} property=${property} routes=${data?.routes.length ?? 0} onImported=${state.reload} />
        <${TodayPreview} propertyId=${pid} round=${data?.routes.length ?? 0} />
      </div>
    </div>
  `;
}

/** @param {PatrolRoute} route @param {Map<number | undefined, string>} names */
function whoText(route, names) {
  const roles = (route.allowed_roles ?? []).map((r) => label("role", r));
  const people = (route.allowed_user_ids ?? []).map((id) => names.get(id) ?? `#${id}`);
  const all = [...roles, ...people];
  return all.length === 0 ? t("routes.anyone") : all.join(t("app.listSeparator"));
}

/** @param {{ propertyId: number, checkpoints: Checkpoint[], staff: StaffUser[], onCreated: () => void }} props */
function NewRoute({ propertyId, checkpoints, staff, onCreated }) {
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [stops, setStops] = useState(/** @type {number[]} */ ([]));
  const [pick, setPick] = useState("");
  const [windows, setWindows] = useState(/** @type {Window[]} */ ([]));
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [tolerance, setTolerance] = useState("10");
  const [days, setDays] = useState(WEEKDAYS);
  const [windowError, setWindowError] = useState("");
  const [roles, setRoles] = useState(/** @type {Role[]} */ (["floor_manager"]));
  const [people, setPeople] = useState(/** @type {number[]} */ ([]));
  const submit = useSubmit();
  const byId = new Map(checkpoints.map((c) => [c.id ?? 0, c]));

  function addStop() {
    const id = Number(pick);
    if (id) setStops([...stops, id]);
    setPick("");
  }
  /** @param {number} i @param {-1 | 1} step */
  function move(i, step) {
    const next = [...stops];
    const j = i + step;
    if (j < 0 || j >= next.length) return;
    [next[i], next[j]] = [next[j], next[i]];
    setStops(next);
  }
  function addWindow() {
    const { window, error } = routeWindow({ start, end, tolerance, weekdays: days });
    if (!window) {
      setWindowError(t(/** @type {any} */ (`routes.windowError.${error}`)));
      return;
    }
    setWindowError("");
    setWindows([...windows, window]);
    setStart("");
    setEnd("");
  }
  /** @template T @param {T[]} list @param {T} item */
  const toggle = (list, item) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);

  /** @param {Event} e */
  async function create(e) {
    e.preventDefault();
    const body = {
      client_id: newUuid(),
      code: code.trim(),
      name_zh: name.trim(),
      stops: stops.map((checkpoint_id) => ({ checkpoint_id })),
      windows,
      allowed_roles: roles,
      allowed_user_ids: people,
    };
    const created = await submit.run(
      () => /** @type {Promise<PatrolRoute>} */ (apiFetch(`/patrol/properties/${propertyId}/routes`, { method: "POST", body })),
      (r) => t("routes.created", { code: r.code ?? "" }),
    );
    if (created) {
      setCode("");
      setName("");
      setStops([]);
      setWindows([]);
      onCreated();
    }
  }

  return html`<form class="card card--panel form" onSubmit=${create} data-testid="route-form">
    <h3 class="card__title">${t("routes.new")}</h3>
    <${Field} label=${t("setup.code")} name="route_code" value=${code} onInput=${setCode} required=${true} error=${submit.fields.code} />
    <${Field} label=${t("setup.nameZh")} name="route_name" value=${name} onInput=${setName} required=${true} error=${submit.fields.name_zh} />

    <fieldset class="field">
      <legend class="field__label">${t("routes.stops")}</legend>
      <ol class="stops" data-testid="route-stops">
        ${stops.map(
          (id, i) => html`<li key=${`${id}-${i}`}>
            <span>${byId.get(id)?.code ?? `#${id}`} · ${nameOf(byId.get(id) ?? {})}</span>
            <span class="row-actions">
              <button type="button" class="btn btn--ghost btn--icon" aria-label=${t("routes.up")} onClick=${() => move(i, -1)}>↑</button>
              <button type="button" class="btn btn--ghost btn--icon" aria-label=${t("routes.down")} onClick=${() => move(i, 1)}>↓</button>
              <button type="button" class="btn btn--ghost btn--icon" aria-label=${t("routes.remove")} onClick=${() => setStops(stops.filter((_, k) => k !== i))}>×</button>
            </span>
          </li>`,
        )}
      </ol>
      <div class="field__row">
        <select class="field__input" name="route_pick" value=${pick} onChange=${(/** @type {Event} */ e) => setPick(valueOf(e))} aria-label=${t("routes.pickStop")}>
          <option value="">${t("routes.pickStop")}</option>
          ${checkpoints.map((c) => html`<option key=${c.id} value=${String(c.id)}>${c.code} · ${nameOf(c)}</option>`)}
        </select>
        <button type="button" class="btn btn--secondary" onClick=${addStop} data-testid="route-add-stop">${t("routes.addStop")}</button>
      </div>
      ${submit.fields.stops && html`<span class="field__error">${submit.fields.stops}</span>`}
    </fieldset>

    <fieldset class="field">
      <legend class="field__label">${t("routes.windows")}</legend>
      <span class="field__hint">${t("routes.windowsHint")}</span>
      <ul class="plain-list" data-testid="route-windows">
        ${windows.map(
          (w, i) => html`<li key=${i}><span>${windowText(w)}</span>
            <button type="button" class="btn btn--ghost" onClick=${() => setWindows(windows.filter((_, k) => k !== i))}>${t("routes.remove")}</button></li>`,
        )}
      </ul>
      <div class="field__row">
        <${Field} label=${t("routes.start")} name="window_start" type="time" value=${start} onInput=${setStart} />
        <${Field} label=${t("routes.end")} name="window_end" type="time" value=${end} onInput=${setEnd} />
      </div>
      <${Field} label=${t("routes.tolerance")} hint=${t("routes.toleranceHint")} name="window_tolerance" type="number" inputmode="numeric" value=${tolerance} onInput=${setTolerance} />
      <div class="weekdays" role="group" aria-label=${t("routes.weekdays")}>
        ${WEEKDAYS.map(
          (d) => html`<label key=${d} class=${`weekday${days.includes(d) ? " weekday--on" : ""}`}>
            <input type="checkbox" checked=${days.includes(d)} onChange=${() => setDays(toggle(days, d))} />${label("weekday", String(d))}
          </label>`,
        )}
      </div>
      <button type="button" class="btn btn--secondary" onClick=${addWindow} data-testid="route-add-window">${t("routes.addWindow")}</button>
      ${windowError && html`<span class="field__error" role="alert">${windowError}</span>`}
      ${submit.fields.windows && html`<span class="field__error">${submit.fields.windows}</span>`}
    </fieldset>

    <fieldset class="field">
      <legend class="field__label">${t("routes.who")}</legend>
      <span class="field__hint">${t("routes.whoHint")}</span>
      ${PATROL_ROLES.map(
        (r) => html`<label key=${r} class="check"><input type="checkbox" checked=${roles.includes(r)} onChange=${() => setRoles(toggle(roles, r))} /> ${label("role", r)}</label>`,
      )}
      ${staff.length > 0 && html`<details><summary>${t("routes.namedPeople")}</summary>
        ${staff.map(
          (u) => html`<label key=${u.id} class="check"><input type="checkbox" checked=${people.includes(u.id ?? 0)} onChange=${() => setPeople(toggle(people, u.id ?? 0))} /> ${u.display_name}</label>`,
        )}
      </details>`}
      ${submit.fields.allowed_roles && html`<span class="field__error">${submit.fields.allowed_roles}</span>`}
    </fieldset>

    <button type="submit" class="btn btn--primary btn--block" disabled=${submit.busy || stops.length === 0} data-testid="route-create">${t("setup.create")}</button>
    ${stops.length === 0 && html`<p class="card__meta">${t("routes.needStops")}</p>`}
    <${Outcome} state=${submit} testid="route" />
  </form>`;
}

/** @param {{ property: Property, routes: number, onImported: () => void }} props */
function RouteFile({ property, routes, onImported }) {
  const submit = useSubmit();
  const pid = property.id ?? 0;
  /** @param {Event} e */
  async function pick(e) {
    const input = /** @type {HTMLInputElement} */ (e.currentTarget);
    const file = input.files?.[0];
    if (!file) return;
    const content = await file.text();
    input.value = "";
    const result = await submit.run(
      () => /** @type {Promise<RouteImportResult>} */ (apiFetch(`/patrol/properties/${pid}/routes/import`, { method: "POST", body: { format: fileFormat(file.name), content } })),
      (r) => t("routes.imported", { created: r.created.length, updated: r.updated.length, unchanged: r.unchanged.length }),
    );
    if (result) onImported();
  }
  return html`<section class="card card--panel form" data-testid="route-file">
    <h3 class="card__title">${t("routes.file")}</h3>
    <p class="card__meta">${t("routes.fileHint")}</p>
    ${routes === 0 && html`<p class="card__meta">${t("routes.nothingToExport")}</p>`}
    <button type="button" class="btn btn--secondary btn--block" disabled=${submit.busy || routes === 0} data-testid="routes-export"
      onClick=${() => submit.run(() => download(`/patrol/properties/${pid}/routes/export?format=yaml`, `routes-${property.code}.yaml`), () => t("routes.exported"))}>
      ${t("routes.export")}</button>
    <label class="btn btn--secondary btn--block file-pick">
      ${submit.busy ? t("setup.working") : t("routes.import")}
      <input type="file" accept=".yaml,.yml,.json" onChange=${pick} class="visually-hidden" data-testid="routes-file" />
    </label>
    <${Outcome} state=${submit} testid="route-file" />
  </section>`;
}

/** @param {{ propertyId: number, round: number }} props */
function TodayPreview({ propertyId, round }) {
  const state = useLoad(() => /** @type {Promise<DayBoard>} */ (apiFetch(`/patrol/properties/${propertyId}/board`)), [propertyId, round]);
  const windows = [...(state.data?.windows ?? [])].sort((a, b) => (a.window_start ?? "").localeCompare(b.window_start ?? ""));
  return html`<section class="card card--panel" data-testid="today-preview">
    <h3 class="card__title">${t("routes.today")}</h3>
    <${LoadState} state=${state} />
    ${state.data && windows.length === 0 && html`<p class="card__meta">${t("routes.todayNone")}</p>`}
    <ul class="plain-list">
      ${windows.map(
        (w, i) => html`<li key=${i} data-testid="today-round">
          <strong>${clock(w.window_start)}–${clock(w.window_end)} · ${w.route_code}</strong>
          <span class="card__meta">${nameOf({ name_zh: w.route_name_zh, name_en: w.route_name_en })} · ${label("board.status", w.status)}</span>
        </li>`,
      )}
    </ul>
  </section>`;
}
