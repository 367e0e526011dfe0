// How the outbox puts one item on the wire. Both functions resolve, never reject: every ending
// (answer, network error, timeout) becomes an Outcome for policy.classify(). Photos go through
// XMLHttpRequest because fetch() reports no upload progress, and a 5 MB photo on a weak uplink is
// a minute of "is it doing anything?".
import { API_BASE, parseRetryAfter } from "../api.js";
import { formFields } from "./photo.js";

/** @typedef {import("../types/outbox").Outcome} Outcome */
/** @typedef {import("../types/outbox").ActionItem} ActionItem */
/** @typedef {import("../types/outbox").PhotoItem} PhotoItem */

export const JSON_TIMEOUT_MS = 30_000;
// An upload's length depends on its size and the uplink, so there is no total timeout; an upload
// (or a server) that makes no progress for this long is abandoned and retried.
export const STALL_TIMEOUT_MS = 60_000;
export const EVIDENCE_URL = `${API_BASE}/evidence`;

/**
 * @param {number} status
 * @param {string} text the response body
 * @param {(name: string) => string | null} header
 * @returns {Outcome}
 */
export function outcomeOf(status, text, header) {
  /** @type {any} */
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML page: the status alone speaks.
  }
  const ok = status >= 200 && status < 300;
  // Only a string code is ours; flask-smorest's own errors put the numeric status in `code`.
  const code = ok ? "ok" : typeof body?.code === "string" ? body.code : `http_${status}`;
  const message = !ok && typeof body?.message === "string" ? body.message : ok ? "" : `HTTP ${status}`;
  const details = !ok && body?.details && typeof body.details === "object" ? body.details : {};
  return {
    status,
    code,
    message,
    details,
    body,
    retryAfter: parseRetryAfter(header("Retry-After")),
    replay: (header("Idempotent-Replay") ?? "").toLowerCase() === "true",
  };
}

/** @param {string} code @param {string} message @returns {Outcome} */
export function noAnswer(code, message) {
  return { status: 0, code, message, details: {}, body: null, retryAfter: null, replay: false };
}

/**
 * @param {string} token
 * @param {string} clientId
 */
function baseHeaders(token, clientId) {
  return {
    Accept: "application/json",
    Authorization: `Bearer ${token}`,
    // The server reads the client UUID from the body or this header (web/context.py); sending it
    // in both means a replay is recognised whichever the endpoint looks at.
    "Idempotency-Key": clientId,
  };
}

/**
 * @param {ActionItem} item
 * @param {string} token
 * @param {{ timeoutMs?: number, fetchImpl?: typeof fetch }} [options]
 * @returns {Promise<Outcome>}
 */
export async function sendJson(item, token, { timeoutMs = JSON_TIMEOUT_MS, fetchImpl = globalThis.fetch } = {}) {
  const body =
    item.id_in === "body" && item.body && typeof item.body === "object"
      ? { ...item.body, client_id: item.client_id }
      : item.body;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetchImpl(API_BASE + item.url, {
      method: item.method,
      headers: { ...item.headers, ...baseHeaders(token, item.client_id), "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      credentials: "same-origin",
      cache: "no-store",
    });
    const text = await response.text();
    return outcomeOf(response.status, text, (name) => response.headers.get(name));
  } catch {
    return controller.signal.aborted
      ? noAnswer("timeout", "The server took too long to answer.")
      : noAnswer("network_error", "Cannot reach the server.");
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Uploads one photo as multipart/form-data: the metadata fields first (a streaming server can
 * check them before the file arrives), the original bytes last, unchanged.
 * @param {PhotoItem} photo
 * @param {ArrayBuffer} bytes
 * @param {string} token
 * @param {{ onProgress?: (fraction: number) => void, stallMs?: number,
 *   Xhr?: typeof XMLHttpRequest, url?: string }} [options]
 * @returns {Promise<Outcome>}
 */
export function uploadPhoto(photo, bytes, token, options = {}) {
  const { onProgress = () => {}, stallMs = STALL_TIMEOUT_MS, Xhr = globalThis.XMLHttpRequest, url = EVIDENCE_URL } = options;
  const form = new FormData();
  for (const [name, value] of formFields(photo)) form.append(name, value);
  const extension = photo.mime.split("/")[1]?.replace("jpeg", "jpg") ?? "bin";
  form.append("file", new Blob([bytes], { type: photo.mime }), `${photo.client_id}.${extension}`);

  return new Promise((resolve) => {
    const xhr = new Xhr();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let stall;
    let settled = false;
    /** @param {Outcome} outcome */
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(stall);
      resolve(outcome);
    };
    const watchdog = () => {
      clearTimeout(stall);
      stall = setTimeout(() => {
        finish(noAnswer("timeout", "The upload stalled."));
        xhr.abort();
      }, stallMs);
    };

    xhr.open("POST", url);
    for (const [name, value] of Object.entries(baseHeaders(token, photo.client_id))) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      watchdog();
      if (event.lengthComputable && event.total > 0) onProgress(Math.min(1, event.loaded / event.total));
    };
    xhr.onreadystatechange = watchdog;
    xhr.onload = () =>
      finish(outcomeOf(xhr.status, xhr.responseText, (name) => xhr.getResponseHeader(name)));
    xhr.onerror = () => finish(noAnswer("network_error", "Cannot reach the server."));
    xhr.onabort = () => finish(noAnswer("network_error", "The upload was interrupted."));
    xhr.ontimeout = () => finish(noAnswer("timeout", "The upload timed out."));
    watchdog();
    xhr.send(form);
  });
}
