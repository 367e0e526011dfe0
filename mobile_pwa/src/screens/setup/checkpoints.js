// Checkpoints, made on site: "stand here and record" takes the phone's GPS fix with its accuracy
// and proposes a circle (radius editable), or "walk the outline" records a fix at each corner
// for a polygon. The answer carries the QR token (shown, and on the label sheet); an NFC tag id
// can be typed or, where Web NFC exists (Chrome on Android), read from / written to the tag.
// The list works without any map: distances from the current fix, nearest first.
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { newUuid } from "../../session.js";
import { LoadState, useLoad } from "../roles/common.js";
import { Field, Outcome, downloadLabels, listAll, nameOf, patchFresh, useSubmit, valueOf } from "./common.js";
import { byDistance, circleFence, circleFromFixes, clampRadius, polygonFromFixes } from "./rules.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").Property} Property */
/** @typedef {import("../../types/contract").Checkpoint} Checkpoint */
/** @typedef {import("../../types/contract").CheckpointCreated} CheckpointCreated */
/** @typedef {import("../../types/contract").CheckpointQr} CheckpointQr */
/** @typedef {import("../../types/contract").Building} Building */
/** @typedef {import("./rules.js").Fix} Fix */

/**
 * One GPS fix, as accurate as the phone can: no cached position (a fix from the car park is not
 * this stairwell). A guard timer, because an ignored permission prompt calls neither callback.
 * @returns {Promise<Fix>}
 */
export function currentFix() {
  return new Promise((resolve, reject) => {
    if (!("geolocation" in navigator)) return reject(new Error("unsupported"));
    const guard = setTimeout(() => reject(new Error("timeout")), 20_000);
    navigator.geolocation.getCurrentPosition(
      (p) => {
        clearTimeout(guard);
        resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy });
      },
      (e) => {
        clearTimeout(guard);
        reject(new Error(e.code === e.PERMISSION_DENIED ? "denied" : "unavailable"));
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 0 },
    );
  });
}

/** Web NFC, where the browser has it. */
const hasNfc = () => typeof window !== "undefined" && "NDEFReader" in window;

/** @param {{ user: User, property: Property }} props */
export function CheckpointsSection({ property }) {
  const pid = property.id ?? 0;
  const state = useLoad(async () => {
    const [checkpoints, buildings] = await Promise.all([
      /** @type {Promise<Checkpoint[]>} */ (listAll(`/patrol/properties/${pid}/checkpoints`)),
      /** @type {Promise<Building[]>} */ (listAll(`/buildings?property_id=${pid}`)),
    ]);
    return { checkpoints, buildings };
  }, [pid]);
  const [here, setHere] = useState(/** @type {Fix | null} */ (null));
  const [fixError, setFixError] = useState("");
  const labels = useSubmit();

  async function locate() {
    setFixError("");
    try {
      setHere(await currentFix());
    } catch (e) {
      setFixError(fixMessage(e));
    }
  }
  const rows = byDistance(state.data?.checkpoints ?? [], here);
  return html`
    <div class="setup-section" data-testid="setup-checkpoints">
      <h2 class="section-title">${t("setup.section.checkpoints")}</h2>
      <${NewCheckpoint} property=${property} buildings=${state.data?.buildings ?? []} onCreated=${state.reload} />
      <section class="card card--panel" data-testid="checkpoint-list">
        <h3 class="card__title">${t("cp.listTitle")}</h3>
        <${LoadState} state=${state} />
        ${state.data && rows.length === 0 && html`<p class="card__meta" data-testid="checkpoints-none">${t("cp.none")}</p>`}
        ${rows.length > 0 && html`<button type="button" class="btn btn--secondary" onClick=${locate} data-testid="cp-locate">${t("cp.distances")}</button>`}
        ${here && html`<p class="card__meta">${t("cp.fromHere", { accuracy: Math.round(here.accuracy) })}</p>`}
        ${fixError && html`<p class="notice notice--warn" role="alert">${fixError}</p>`}
        <ul class="plain-list">
          ${rows.map(({ checkpoint, metres }) => html`<${CheckpointRow} key=${checkpoint.id} checkpoint=${checkpoint} metres=${metres} onChanged=${state.reload} />`)}
        </ul>
      </section>
      <section class="card card--panel" data-testid="labels">
        <h3 class="card__title">${t("cp.labelsTitle")}</h3>
        <p class="card__meta">${t("cp.labelsHint")}</p>
        <button type="button" class="btn btn--primary btn--block" disabled=${labels.busy || rows.length === 0} data-testid="labels-download"
          onClick=${() => labels.run(() => downloadLabels(pid, property.code ?? String(pid)), () => t("cp.labelsDone"))}>
          ${labels.busy ? t("setup.working") : t("cp.labelsDownload")}</button>
        <${Outcome} state=${labels} testid="labels" />
      </section>
    </div>
  `;
}

/** @param {unknown} e */
function fixMessage(e) {
  const reason = e instanceof Error ? e.message : "";
  if (reason === "denied") return t("cp.fixDenied");
  if (reason === "unsupported") return t("cp.fixUnsupported");
  return t("cp.fixFailed");
}

/**
 * @param {{ property: Property, buildings: Building[], onCreated: () => void }} props
 */
function NewCheckpoint({ property, buildings, onCreated }) {
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [buildingId, setBuildingId] = useState("");
  const [nfc, setNfc] = useState("");
  const [shape, setShape] = useState(/** @type {"circle" | "polygon"} */ ("circle"));
  const [fixes, setFixes] = useState(/** @type {Fix[]} */ ([]));
  const [radius, setRadius] = useState("");
  const [fixing, setFixing] = useState(false);
  const [fixError, setFixError] = useState("");
  const [created, setCreated] = useState(/** @type {CheckpointCreated | null} */ (null));
  const submit = useSubmit();

  const circle = circleFromFixes(fixes);
  const polygon = shape === "polygon" ? polygonFromFixes(fixes) : null;

  async function record() {
    setFixing(true);
    setFixError("");
    try {
      const fix = await currentFix();
      const next = shape === "circle" ? [fix] : [...fixes, fix];
      setFixes(next);
      const c = circleFromFixes(next);
      if (shape === "circle" && c) setRadius(String(c.radius_m));
    } catch (e) {
      setFixError(fixMessage(e));
    } finally {
      setFixing(false);
    }
  }
  /** @param {"circle" | "polygon"} next */
  function switchShape(next) {
    setShape(next);
    setFixes([]);
    setRadius("");
  }

  /** @param {Event} e */
  async function create(e) {
    e.preventDefault();
    /** @type {Record<string, unknown>} */
    const body = { client_id: newUuid(), code: code.trim(), name_zh: name.trim() };
    if (buildingId) body.building_id = Number(buildingId);
    if (nfc.trim()) body.nfc_tag_id = nfc.trim();
    if (circle) {
      body.latitude = Math.round(circle.latitude * 1e7) / 1e7;
      body.longitude = Math.round(circle.longitude * 1e7) / 1e7;
    }
    if (shape === "circle" && circle) body.geofence = circleFence(circle, Number(radius) || circle.radius_m);
    if (shape === "polygon" && polygon) body.geofence = polygon;
    const answer = await submit.run(
      () => /** @type {Promise<CheckpointCreated>} */ (apiFetch(`/patrol/properties/${property.id}/checkpoints`, { method: "POST", body })),
      (c) => t("cp.created", { code: c.code ?? "" }),
    );
    if (answer) {
      setCreated(answer);
      setCode("");
      setName("");
      setNfc("");
      setFixes([]);
      setRadius("");
      onCreated();
    }
  }

  return html`<form class="card card--panel form" onSubmit=${create} data-testid="checkpoint-form">
    <h3 class="card__title">${t("cp.new")}</h3>
    <${Field} label=${t("setup.code")} hint=${t("cp.codeHint")} name="cp_code" value=${code} onInput=${setCode} required=${true} error=${submit.fields.code} />
    <${Field} label=${t("setup.nameZh")} name="cp_name" value=${name} onInput=${setName} required=${true} error=${submit.fields.name_zh} />
    ${buildings.length > 0 && html`<label class="field">
      <span class="field__label">${t("cp.building")}</span>
      <select class="field__input" name="cp_building" value=${buildingId} onChange=${(/** @type {Event} */ e) => setBuildingId(valueOf(e))}>
        <option value="">${t("cp.noBuilding")}</option>
        ${buildings.map((b) => html`<option key=${b.id} value=${String(b.id)}>${b.code} · ${nameOf(b)}</option>`)}
      </select>
    </label>`}

    <fieldset class="field">
      <legend class="field__label">${t("cp.area")}</legend>
      <div class="segmented" role="radiogroup">
        ${/** @type {const} */ (["circle", "polygon"]).map(
          (s) => html`<label key=${s} class=${`segmented__item${shape === s ? " segmented__item--on" : ""}`}>
            <input type="radio" name="cp_shape" value=${s} checked=${shape === s} onChange=${() => switchShape(s)} />
            ${t(s === "circle" ? "cp.shapeCircle" : "cp.shapePolygon")}
          </label>`,
        )}
      </div>
      <span class="field__hint">${t(shape === "circle" ? "cp.circleHint" : "cp.polygonHint")}</span>
      <button type="button" class="btn btn--secondary btn--block" disabled=${fixing} onClick=${record} data-testid="cp-record">
        ${fixing ? t("cp.recording") : shape === "circle" ? t("cp.recordHere") : t("cp.recordCorner", { n: fixes.length + 1 })}</button>
      ${fixError && html`<p class="notice notice--warn" role="alert">${fixError}</p>`}
      ${shape === "circle" && circle && html`<p class="card__meta" data-testid="cp-fix">${t("cp.fixed", {
        lat: circle.latitude.toFixed(6), lon: circle.longitude.toFixed(6), accuracy: Math.round(fixes[0]?.accuracy ?? 0) })}</p>
        <${Field} label=${t("cp.radius")} hint=${t("cp.radiusHint")} name="cp_radius" type="number" inputmode="numeric" value=${radius}
          onInput=${(/** @type {string} */ v) => setRadius(v)} error=${submit.fields.geofence} />
        ${radius && Number(radius) !== clampRadius(Number(radius)) && html`<p class="card__meta">${t("cp.radiusClamped", { radius: clampRadius(Number(radius)) })}</p>`}`}
      ${shape === "polygon" && html`<p class="card__meta" data-testid="cp-corners">${polygon
        ? t("cp.polygonReady", { count: (polygon.coordinates[0].length ?? 1) - 1 })
        : t("cp.corners", { count: fixes.length })}</p>
        ${fixes.length > 0 && html`<button type="button" class="btn btn--ghost" onClick=${() => setFixes(fixes.slice(0, -1))}>${t("cp.undoCorner")}</button>`}
        ${submit.fields.geofence && html`<span class="field__error">${submit.fields.geofence}</span>`}`}
    </fieldset>

    <${NfcField} value=${nfc} onChange=${setNfc} error=${submit.fields.nfc_tag_id} />
    <button type="submit" class="btn btn--primary btn--block" disabled=${submit.busy} data-testid="cp-create">${t("setup.create")}</button>
    ${!circle && html`<p class="card__meta">${t("cp.noPosition")}</p>`}
    <${Outcome} state=${submit} testid="cp" />
    ${created && html`<div class="notice" data-testid="cp-created">
      <p>${t("cp.qrToken")}: <code data-testid="cp-qr-token">${created.qr_token}</code></p>
      <p class="card__meta">${t("cp.qrHint")}</p>
    </div>`}
  </form>`;
}

/**
 * The NFC tag id: typed (from the tag's printed serial), or read from the tag where Web NFC exists.
 * @param {{ value: string, onChange: (v: string) => void, error?: string }} props
 */
function NfcField({ value, onChange, error }) {
  const [status, setStatus] = useState("");
  async function read() {
    setStatus(t("cp.nfcHold"));
    try {
      const reader = new /** @type {any} */ (window).NDEFReader();
      await reader.scan();
      reader.onreading = (/** @type {any} */ event) => {
        onChange(String(event.serialNumber ?? ""));
        setStatus(t("cp.nfcRead"));
      };
    } catch {
      setStatus(t("cp.nfcFailed"));
    }
  }
  return html`<div>
    <${Field} label=${t("cp.nfc")} hint=${t("cp.nfcHint")} name="cp_nfc" value=${value} onInput=${onChange} error=${error} />
    ${hasNfc() && html`<button type="button" class="btn btn--ghost" onClick=${read}>${t("cp.nfcReadButton")}</button>`}
    ${status && html`<p class="card__meta" role="status">${status}</p>`}
  </div>`;
}

/** @param {{ checkpoint: Checkpoint, metres: number | null, onChanged: () => void }} props */
function CheckpointRow({ checkpoint, metres, onChanged }) {
  const [qr, setQr] = useState(/** @type {CheckpointQr | null} */ (null));
  const [nfc, setNfc] = useState(checkpoint.nfc_tag_id ?? "");
  const [editing, setEditing] = useState(false);
  const submit = useSubmit();
  const fence = /** @type {{ type?: string, radius_m?: number, coordinates?: unknown[][] } | null} */ (checkpoint.geofence ?? null);
  const area =
    fence?.type === "Point" ? t("cp.circleOf", { radius: Math.round(fence.radius_m ?? 0) })
    : fence?.type === "Polygon" ? t("cp.polygonOf", { count: Math.max(0, (fence.coordinates?.[0]?.length ?? 1) - 1) })
    : t("cp.noArea");

  async function showQr() {
    const answer = await submit.run(() => /** @type {Promise<CheckpointQr>} */ (apiFetch(`/patrol/checkpoints/${checkpoint.id}/qr`)));
    if (answer) setQr(answer);
  }
  /** @param {Event} e */
  async function saveNfc(e) {
    e.preventDefault();
    if (await submit.run(() => patchFresh(`/patrol/checkpoints/${checkpoint.id}`, { nfc_tag_id: nfc.trim() }), () => t("setup.saved"))) {
      setEditing(false);
      onChanged();
    }
  }
  async function writeTag() {
    if (!qr) return;
    const ok = await submit.run(async () => {
      const writer = new /** @type {any} */ (window).NDEFReader();
      await writer.write({ records: [{ recordType: "text", data: qr.qr_content }] });
      return true;
    }, () => t("cp.nfcWritten"));
    return ok;
  }
  return html`<li data-testid="checkpoint-row" data-code=${checkpoint.code}>
    <div class="row-head">
      <strong>${checkpoint.code} · ${nameOf(checkpoint)}</strong>
      <span class="card__meta" data-testid="cp-distance">${metres === null ? "" : t("cp.metres", { metres })}</span>
    </div>
    <p class="card__meta">${area}${checkpoint.nfc_tag_id ? ` · NFC ${checkpoint.nfc_tag_id}` : ""}${checkpoint.active === false ? ` · ${t("cp.inactive")}` : ""}</p>
    <div class="row-actions">
      <button type="button" class="btn btn--ghost" onClick=${showQr} data-testid="cp-show-qr">${t("cp.showQr")}</button>
      <button type="button" class="btn btn--ghost" onClick=${() => setEditing(!editing)}>${t("cp.editNfc")}</button>
    </div>
    ${qr && html`<p class="card__meta">${t("cp.qrToken")}: <code data-testid="cp-row-token">${qr.qr_token}</code></p>
      ${hasNfc() && html`<button type="button" class="btn btn--secondary" onClick=${writeTag}>${t("cp.nfcWrite")}</button>`}`}
    ${editing && html`<form class="form form--inline" onSubmit=${saveNfc}>
      <${Field} label=${t("cp.nfc")} name=${`nfc_${checkpoint.id}`} value=${nfc} onInput=${setNfc} error=${submit.fields.nfc_tag_id} />
      <button type="submit" class="btn btn--primary" disabled=${submit.busy}>${t("setup.save")}</button>
    </form>`}
    <${Outcome} state=${submit} />
  </li>`;
}
