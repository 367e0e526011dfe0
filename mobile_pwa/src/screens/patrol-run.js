// A patrol run (巡楼) on the phone: the route's stops, checking in at each by scanning its QR
// label, reading its NFC tag, or typing the code printed on the label (then the phone's position
// is the proof), recording findings with photos, and finishing. Every step goes through the
// outbox, so a run continues in a basement with no signal; what is queued here is remembered in
// localStorage so the list stays right across a reload before the server has it.
//
// The run itself must exist on the server first (its id is in every later URL): starting happens
// on the home screen and needs a connection once; see docs/PWA.md "Patrol run".
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { apiFetch } from "../api.js";
import { getLocale, t } from "../i18n.js";
import { readItem, writeItem } from "../storage.js";
import { newUuid, ownerIdOf } from "../session.js";
import { isoWithOffset } from "../outbox/photo.js";
import { Camera, locate } from "../components/camera.js";
import { Scanner } from "../components/scanner.js";
import { LoadState, queueAction, shortTime, useLoad } from "./roles/common.js";
import { FINDING_CATEGORIES, FINDING_OUTCOMES } from "../api-enums.js";

/** @typedef {import("../types/contract").User} User */
/** @typedef {import("../types/contract").RunDetail} RunDetail */
/** @typedef {import("../components/scanner.js").ScanMethod} ScanMethod */
/** @typedef {{ code: string, checkpoint_id: number | null, at: string }} LocalCheckin */
/** @typedef {import("../i18n.js").MessageKey} MessageKey */

/** @typedef {typeof FINDING_CATEGORIES[number]} FindingCategory */
/** @typedef {typeof FINDING_OUTCOMES[number]} FindingOutcome */

/** @param {number} runId */
const cacheKey = (runId) => `xj.run.${runId}`;
/** @param {number} runId */
const localKey = (runId) => `xj.run.${runId}.queued`;

/** @param {number} runId */
const etagKey = (runId) => `xj.run.${runId}.etag`;

/** @param {number} runId @param {Headers} headers */
function rememberEtag(runId, headers) {
  const etag = headers.get("ETag");
  if (etag) writeItem(etagKey(runId), etag);
}

/**
 * The run's ETag for If-Match on finish: read afresh when online (check-ins may have changed the
 * run), else the one from the last read. A stale one comes back 412 and shows as a conflict;
 * never "*", which would finish over changes this phone has not seen.
 * @param {number} runId
 */
async function currentEtag(runId) {
  await apiFetch(`/patrol/runs/${runId}`, { timeoutMs: 5_000, onHeaders: (h) => rememberEtag(runId, h) }).catch(() => {});
  return readItem(etagKey(runId));
}

/** @param {number} runId @returns {LocalCheckin[]} */
function readLocal(runId) {
  try {
    return JSON.parse(readItem(localKey(runId)) ?? "[]");
  } catch {
    return [];
  }
}

/**
 * The check-in body for what was scanned or typed. A typed code that names a stop of the route
 * (the code printed under the label) is a GPS check-in at that stop; anything else is taken as
 * the QR token itself (people also type the token when the label is torn).
 * @param {string} code
 * @param {ScanMethod} method
 * @param {{ checkpoint_id: number, code: string }[]} stops
 * @returns {{ kind: "qr" | "nfc", body: Record<string, unknown> } | { kind: "gps", checkpoint_id: number }}
 */
export function checkinFor(code, method, stops) {
  if (method === "nfc") return { kind: "nfc", body: { nfc_tag_id: code } };
  if (method === "typed") {
    const stop = stops.find((s) => s.code.toLowerCase() === code.toLowerCase());
    if (stop) return { kind: "gps", checkpoint_id: stop.checkpoint_id };
  }
  return { kind: "qr", body: { qr_token: code } };
}

/** @param {{ user: User, runId: number }} props */
export function PatrolRunScreen({ user, runId }) {
  const state = useLoad(async () => {
    try {
      const detail = /** @type {RunDetail} */ (await apiFetch(`/patrol/runs/${runId}`, { onHeaders: (h) => rememberEtag(runId, h) }));
      writeItem(cacheKey(runId), JSON.stringify(detail));
      return detail;
    } catch (error) {
      // Offline: the copy from the last visit, so the stops are still there in the basement.
      const cached = readItem(cacheKey(runId));
      if (cached) return /** @type {RunDetail} */ (JSON.parse(cached));
      throw error;
    }
  }, [runId]);
  const [local, setLocal] = useState(() => readLocal(runId));
  const [message, setMessage] = useState(/** @type {string | null} */ (null));
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const [finishing, setFinishing] = useState(false);
  const [reason, setReason] = useState("");
  const [finished, setFinished] = useState(false);

  const detail = state.data;
  const stops = detail?.stops ?? [];
  const zh = getLocale() === "zh-CN";
  const locallyVisited = new Set(local.map((c) => c.checkpoint_id).filter((id) => id !== null));
  const visited = (/** @type {typeof stops[number]} */ s) => s.visited || locallyVisited.has(s.checkpoint_id);
  const missing = stops.filter((s) => !visited(s));
  // Scans whose checkpoint only the server can tell (a QR token): each may cover a missing stop,
  // so a reason is asked only for stops that no check-in can account for.
  const unmapped = local.filter((c) => c.checkpoint_id === null && !detail?.checkins?.some((k) => k.device_time && Date.parse(k.device_time) === Date.parse(c.at))).length;
  const unexplained = Math.max(0, missing.length - unmapped);
  const done = finished || (detail?.run?.state ?? "in_progress") !== "in_progress";

  /** @param {LocalCheckin} entry */
  function remember(entry) {
    const next = [...readLocal(runId), entry];
    writeItem(localKey(runId), JSON.stringify(next));
    setLocal(next);
  }

  /** @param {string} code @param {ScanMethod} method */
  async function checkIn(code, method) {
    setProblem(null);
    setMessage(null);
    const plan = checkinFor(code, method, stops);
    const deviceTime = isoWithOffset(new Date());
    /** @type {Record<string, unknown>} */
    let body;
    if (plan.kind === "gps") {
      const fix = await locate();
      if ("error" in fix || fix.accuracy === null) return setProblem(t("run.noFix"));
      body = { checkpoint_id: plan.checkpoint_id, latitude: fix.lat, longitude: fix.lon, accuracy_m: fix.accuracy, device_time: deviceTime };
    } else {
      body = { ...plan.body, device_time: deviceTime };
    }
    await queueAction(user, { url: `/patrol/runs/${runId}/checkins`, body, label: `${t("context.patrol_checkin")} ${code}` });
    remember({ code, checkpoint_id: plan.kind === "gps" ? plan.checkpoint_id : null, at: deviceTime });
    setMessage(t("run.checkedIn", { code }));
    // Online, the outbox sends it at once: re-read the run so the stop shows as visited.
    setTimeout(state.reload, 1500);
  }

  async function finish() {
    if (unexplained > 0 && !reason.trim()) return setProblem(t("run.reasonRequired"));
    setProblem(null);
    const etag = await currentEtag(runId);
    if (!etag) return setProblem(t("error.network_error"));
    await queueAction(user, {
      url: `/patrol/runs/${runId}/finish`,
      body: { reason: reason.trim(), device_time: isoWithOffset(new Date()) },
      headers: { "If-Match": etag },
      id_in: "header", // Finish has no client_id field
      label: t("run.finish"),
    });
    setFinished(true);
    setFinishing(false);
    setMessage(t("run.finished"));
  }

  return html`
    <section class="screen" data-testid="patrol-run">
      <h1 class="screen__title">${t("run.title")}</h1>
      <${LoadState} state=${state} />
      ${detail &&
      html`<p class="card__meta">${t("run.progress", { visited: stops.length - missing.length, total: stops.length })} · ${shortTime(detail.run?.started_at)}</p>
        <ol class="stops" data-testid="run-stops">
          ${stops.map(
            (s) => html`<li key=${s.checkpoint_id} class=${visited(s) ? "stop is-visited" : "stop"} data-testid="run-stop" data-code=${s.code}>
              <span class="stop__mark" aria-hidden="true">${visited(s) ? "✓" : s.position}</span>
              <span><strong>${zh || !s.name_en ? s.name_zh : s.name_en}</strong> <span class="card__meta">${s.code}</span></span>
            </li>`,
          )}
        </ol>
        ${local.some((c) => c.checkpoint_id === null) &&
        html`<p class="card__meta">${t("run.scannedPending", { count: local.filter((c) => c.checkpoint_id === null).length })}</p>`}`}
      ${message && html`<p class="notice" role="status" data-testid="run-message">${message}</p>`}
      ${problem && html`<p class="form__error" role="alert">${problem}</p>`}
      ${detail && !done &&
      html`<article class="card card--capture">
          <h2 class="card__title">${t("run.checkinTitle")}</h2>
          <${Scanner} onCode=${checkIn} />
        </article>
        <${FindingForm} user=${user} runId=${runId} propertyId=${detail.run?.property_id ?? 0}
          photoRequired=${detail.finding_photo_required ?? true} onSaved=${() => setMessage(t("run.findingSaved"))} />
        ${finishing
          ? html`<div class="card form">
              ${unexplained > 0 && html`<label class="field"><span class="field__label">${t("run.reason", { count: unexplained })}</span>
                <input class="field__input" maxlength="500" value=${reason} data-testid="run-reason"
                  onInput=${(/** @type {InputEvent} */ e) => setReason(/** @type {HTMLInputElement} */ (e.currentTarget).value)} /></label>`}
              <div class="actions-2">
                <button type="button" class="btn btn--ghost" onClick=${() => setFinishing(false)}>${t("review.cancel")}</button>
                <button type="button" class="btn btn--primary" onClick=${finish} data-testid="run-finish-confirm">${t("run.finish")}</button>
              </div>
            </div>`
          : html`<button type="button" class="btn btn--secondary btn--block" onClick=${() => setFinishing(true)} data-testid="run-finish">${t("run.finish")}</button>`}`}
      <a class="btn btn--ghost btn--block" href="#/">${t("app.backHome")}</a>
    </section>
  `;
}

/**
 * A finding (巡查发现) with its photos. The finding's client_id is made when the form opens, so
 * each photo names it as its context before the finding is queued (the server links them by it,
 * in whatever order they arrive). A problem needs a photo unless the property turned that off
 * (the run says which); the form says so before queuing, since the server would refuse it later.
 * @param {{ user: User, runId: number, propertyId: number, photoRequired: boolean, onSaved: () => void }} props
 */
function FindingForm({ user, runId, propertyId, photoRequired, onSaved }) {
  const [findingId, setFindingId] = useState(() => newUuid());
  const [outcome, setOutcome] = useState(/** @type {FindingOutcome} */ ("problem"));
  const [category, setCategory] = useState(/** @type {FindingCategory} */ ("facility"));
  const [note, setNote] = useState("");
  const [photos, setPhotos] = useState(/** @type {string[]} */ ([]));
  const [missing, setMissing] = useState(false);

  async function save() {
    if (outcome === "problem" && photoRequired && photos.length === 0) return setMissing(true);
    setMissing(false);
    await queueAction(user, {
      client_id: findingId,
      url: `/patrol/runs/${runId}/findings`,
      body: { outcome, category, note: note.trim(), photo_client_ids: photos, device_time: isoWithOffset(new Date()) },
      label: t("context.patrol_finding"),
    });
    setFindingId(newUuid());
    setNote("");
    setPhotos([]);
    onSaved();
  }

  return html`
    <article class="card card--capture" data-testid="finding-form">
      <h2 class="card__title">${t("run.findingTitle")}</h2>
      <div class="actions-2" role="radiogroup">
        ${FINDING_OUTCOMES.map(
          (o) => html`<button type="button" key=${o} role="radio" aria-checked=${outcome === o}
            class=${outcome === o ? "btn btn--primary" : "btn btn--ghost"} onClick=${() => setOutcome(o)}>${t(/** @type {MessageKey} */ (`run.outcome.${o}`))}</button>`,
        )}
      </div>
      <label class="field"><span class="field__label">${t("run.category")}</span>
        <select class="field__input" value=${category} onChange=${(/** @type {Event} */ e) => setCategory(/** @type {FindingCategory} */ (/** @type {HTMLSelectElement} */ (e.currentTarget).value))}>
          ${FINDING_CATEGORIES.map((c) => html`<option key=${c} value=${c}>${t(/** @type {MessageKey} */ (`run.category.${c || "none"}`))}</option>`)}
        </select></label>
      <label class="field"><span class="field__label">${t("run.note")}</span>
        <input class="field__input" maxlength="1000" value=${note} data-testid="finding-note"
          onInput=${(/** @type {InputEvent} */ e) => setNote(/** @type {HTMLInputElement} */ (e.currentTarget).value)} /></label>
      <${Camera}
        propertyId=${propertyId}
        propertyName=${user.assignments?.find((a) => a.property_id === propertyId)?.property_name ?? `#${propertyId}`}
        contextType="patrol_finding"
        contextId=${findingId}
        note=${note}
        person=${{ id: ownerIdOf(user), name: user.display_name || user.username || "" }}
        onSaved=${(/** @type {import("../types/outbox").PhotoItem} */ p) => setPhotos((list) => [...list, p.client_id])}
      />
      ${photos.length > 0 && html`<p class="card__meta">${t("run.photos", { count: photos.length })}</p>`}
      ${missing && photos.length === 0 && html`<p class="form__error" role="alert" data-testid="finding-photo-required">${t("run.photoRequired")}</p>`}
      <button type="button" class="btn btn--primary btn--block" onClick=${save} data-testid="finding-save">${t("run.findingSave")}</button>
    </article>
  `;
}
