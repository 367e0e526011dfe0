// What the set-up screens share. Set-up writes go straight to the server, never through the
// outbox: the answer is the point (a QR token, a duplicate code refused, a file's problems by
// line), so offline a screen says it needs the network and saves nothing, rather than queueing
// something the person would believe is done.
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { API_BASE, ApiError, apiFetch } from "../../api.js";
import { errorMessage, getLocale, t } from "../../i18n.js";
import { currentToken } from "../../session.js";
import { readItem, writeItem } from "../../storage.js";
import { useOnline } from "../../components/topbar.js";
import { fieldErrors, fileProblems } from "./rules.js";

/** @typedef {import("../../i18n.js").MessageKey} MessageKey */

/**
 * One submission's state: busy, the refusal (message + field errors + file problems), success.
 * `run` refuses at once when the phone knows it is offline, so nothing pretends to be saved.
 */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {unknown} */ (null));
  const [done, setDone] = useState(/** @type {string | null} */ (null));
  /**
   * @template T
   * @param {() => Promise<T>} action
   * @param {(result: T) => string | null} [success] the message to show once the server accepted
   * @returns {Promise<T | null>}
   */
  async function run(action, success) {
    setDone(null);
    setError(null);
    if (!navigator.onLine) {
      setError(new ApiError(0, "network_error", "offline"));
      return null;
    }
    setBusy(true);
    try {
      const result = await action();
      setDone(success ? success(result) : null);
      return result;
    } catch (e) {
      setError(e);
      return null;
    } finally {
      setBusy(false);
    }
  }
  const fields = fieldErrors(error, getLocale() === "zh-CN");
  return { busy, error, done, fields, run, clear: () => (setError(null), setDone(null)) };
}

/**
 * The outcome of a submission in words: the server's refusal (in the user's language, with a
 * file's problems by line), "needs the network" when there was none, or the success message.
 * @param {{ state: ReturnType<typeof useSubmit>, testid?: string }} props
 */
export function Outcome({ state, testid = "setup-outcome" }) {
  const { error, done } = state;
  if (error) {
    const offline = error instanceof ApiError && (error.code === "network_error" || error.code === "timeout");
    const problems = fileProblems(error);
    return html`<div class="notice notice--warn" role="alert" data-testid=${`${testid}-error`}>
      <p>${offline ? t("setup.needsNetwork") : t("setup.refused", { message: errorMessage(error) })}</p>
      ${problems.length > 0 &&
      html`<ul class="problems" data-testid="file-problems">
        ${problems.map(
          (p, i) => html`<li key=${i}>
            <strong>${p.line !== null ? t("setup.line", { line: p.line, column: p.column ?? 1 }) : t("setup.wholeFile")}</strong>
            ${p.path ? html` <code>${p.path}</code>` : ""} ${p.message}
          </li>`,
        )}
      </ul>`}
    </div>`;
  }
  if (done) return html`<p class="notice" role="status" data-testid=${`${testid}-done`}>${done}</p>`;
  return null;
}

/** Above a set-up form while the phone is offline: what works and what does not. */
export function OfflineNote() {
  const online = useOnline();
  if (online) return null;
  return html`<p class="notice notice--warn" role="status" data-testid="setup-offline">${t("setup.offline")}</p>`;
}

/**
 * A labelled input with the server's message for that field under it.
 * @param {{ label: string, name: string, value: string, onInput: (value: string) => void,
 *   error?: string, hint?: string, type?: string, inputmode?: string, required?: boolean,
 *   placeholder?: string, autocomplete?: string }} props
 */
export function Field({ label, name, value, onInput, error, hint, type = "text", inputmode, required, placeholder, autocomplete }) {
  const id = `f-${name}`;
  return html`<label class="field" for=${id}>
    <span class="field__label">${label}</span>
    ${hint && html`<span class="field__hint">${hint}</span>`}
    <input class=${`field__input${error ? " field__input--bad" : ""}`} id=${id} name=${name} type=${type}
      inputmode=${inputmode} required=${required} placeholder=${placeholder} autocomplete=${autocomplete ?? "off"}
      aria-invalid=${error ? "true" : undefined} value=${value}
      onInput=${(/** @type {InputEvent} */ e) => onInput(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
    ${error && html`<span class="field__error" data-testid=${`error-${name}`}>${error}</span>`}
  </label>`;
}

/** A string input's value from an event. @param {Event} e */
export function valueOf(e) {
  return /** @type {HTMLInputElement | HTMLSelectElement} */ (e.currentTarget).value;
}

/**
 * A resource's current ETag (updates must send it back as If-Match).
 * @param {string} path
 */
export async function etagOf(path) {
  let etag = "";
  await apiFetch(path, { onHeaders: (h) => void (etag = h.get("ETag") ?? "") });
  return etag;
}

/**
 * PATCH with the record's current ETag (read first): a set-up edit is made on what the server
 * holds now; someone else's change in between comes back 412 and is shown, never overwritten.
 * @param {string} path
 * @param {unknown} body
 */
export async function patchFresh(path, body) {
  const etag = await etagOf(path);
  return apiFetch(path, { method: "PATCH", body, headers: { "If-Match": etag } });
}

/** Where the guide remembers that this phone fetched a property's label sheet. @param {number} pid */
const labelsKey = (pid) => `xj-labels-fetched-${pid}`;

/** @param {number} propertyId @returns {string | null} */
export function labelsFetchedAt(propertyId) {
  return readItem(labelsKey(propertyId));
}

/**
 * Fetches a file the API serves to signed-in staff only (the label sheet PDF, a route file) and
 * hands it to the browser as a download: a plain link could not carry the bearer token.
 * @param {string} path below /api/v1
 * @param {string} filename
 * @returns {Promise<Blob>}
 */
export async function download(path, filename) {
  const token = currentToken();
  /** @type {Response} */
  let response;
  try {
    response = await fetch(API_BASE + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new ApiError(0, "network_error", "Cannot reach the server.");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiError(response.status, body.code ?? "http_error", body.message ?? response.statusText, body.details ?? {});
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return blob;
}

/**
 * The label sheet of a property: downloaded, and remembered for the guide.
 * @param {number} propertyId
 * @param {string} code the property's code, for the file name
 */
export async function downloadLabels(propertyId, code) {
  const blob = await download(`/patrol/properties/${propertyId}/labels.pdf`, `labels-${code}.pdf`);
  writeItem(labelsKey(propertyId), new Date().toISOString());
  return blob;
}

/**
 * Every page of a listing (set-up lists are a property's worth: a few hundred rows at most).
 * @template T
 * @param {string} path with its query, without limit/cursor
 * @returns {Promise<T[]>}
 */
export async function listAll(path) {
  /** @type {T[]} */
  const items = [];
  let cursor = "";
  for (let i = 0; i < 20; i++) {
    const sep = path.includes("?") ? "&" : "?";
    const page = /** @type {{ items: T[], next_cursor?: string | null }} */ (
      await apiFetch(`${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)
    );
    items.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return items;
}

/**
 * A name in the reader's language: English where there is one and the reader reads English.
 * @param {{ name_zh?: string, name_en?: string }} item
 */
export function nameOf(item) {
  return getLocale() === "zh-CN" || !item.name_en ? item.name_zh ?? "" : item.name_en;
}

