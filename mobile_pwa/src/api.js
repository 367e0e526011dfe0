// The one way the app talks to the server: JSON over fetch, base /api/v1, bearer token from the
// stored session. Every failure becomes an ApiError carrying the server's {code, message, details},
// so screens show one kind of error whatever went wrong (server, network, timeout).
import { clearSession, currentToken, deviceId, loadSession, saveSession, updateSessionUser } from "./session.js";
import { clearApiCache } from "./sw-client.js";

/** @typedef {import("./types/contract").LoginResponse} LoginResponse */
/** @typedef {import("./types/contract").User} User */
/** @typedef {import("./types/contract").ErrorBody} ErrorBody */

export const API_BASE = "/api/v1";
// Long enough for a slow mobile uplink, short enough that a dead connection is not a frozen button.
export const DEFAULT_TIMEOUT_MS = 30_000;

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status; 0 when no answer came (network error, timeout).
   * @param {string} code machine-readable, e.g. "invalid_credentials", "network_error".
   * @param {string} message the server's English message, or ours.
   * @param {Record<string, unknown>} [details] may hold message_zh and field errors.
   * @param {number | null} [retryAfter] seconds, from a Retry-After header.
   */
  constructor(status, code, message, details = {}, retryAfter = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

/** @type {(error: ApiError) => void} */
let onUnauthorized = () => {};

/**
 * What to do when the server rejects our token (expired, revoked): the app sends the user back to
 * the login screen. The session is already cleared when this runs.
 * @param {(error: ApiError) => void} handler
 */
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/** @type {() => void} */
let onPasswordChangeRequired = () => {};

/**
 * What to do when the server says this account must set a new password before anything else
 * (403 password_change_required): the app shows the change-password screen. The stored user is
 * already marked when this runs.
 * @param {() => void} handler
 */
export function setPasswordChangeHandler(handler) {
  onPasswordChangeRequired = handler;
}

/**
 * The server refused a request of `token` until the password is changed. The session stays (the
 * token still works for changing the password); queued work waits, like after a 401.
 * @param {string} token the token the refused request carried
 */
export function passwordChangeRequired(token) {
  const session = loadSession();
  if (!session || session.token !== token) return;
  updateSessionUser({ ...session.user, must_change_password: true });
  onPasswordChangeRequired();
}

/**
 * @typedef {object} RequestOptions
 * @property {string} [method]
 * @property {unknown} [body] sent as JSON
 * @property {Record<string, string>} [headers]
 * @property {AbortSignal} [signal]
 * @property {number} [timeoutMs]
 * @property {boolean} [auth] send the bearer token (default true)
 * @property {(headers: Headers) => void} [onHeaders] sees a successful answer's headers (the ETag
 *   an update must send back as If-Match)
 */

/**
 * @param {string} path below /api/v1, e.g. "/auth/me"
 * @param {RequestOptions} [options]
 * @returns {Promise<unknown>} the parsed JSON body, or undefined for 204
 */
export async function apiFetch(path, options = {}) {
  const { method = "GET", body, signal, timeoutMs = DEFAULT_TIMEOUT_MS, auth = true } = options;
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json", ...options.headers };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = auth ? currentToken() : null;
  if (token) headers.Authorization = `Bearer ${token}`;

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort("timeout"), timeoutMs);
  signal?.addEventListener("abort", () => controller.abort(signal.reason), { once: true });

  /** @type {Response} */
  let response;
  try {
    response = await fetch(API_BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      credentials: "same-origin",
    });
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason === "timeout") {
      throw new ApiError(0, "timeout", "The server took too long to answer.");
    }
    if (signal?.aborted) throw error; // the caller cancelled: not an error to show
    throw new ApiError(0, "network_error", "Cannot reach the server.");
  } finally {
    clearTimeout(timer);
  }

  if (response.ok) {
    options.onHeaders?.(response.headers);
    if (response.status === 204) return undefined;
    return response.json();
  }
  const error = await toApiError(response);
  // A 401 on a request that carried a token means the session is over. A 401 without one (a wrong
  // password at login) is an answer for the screen that asked, not a reason to navigate.
  if (response.status === 401 && token) sessionRejected(error, token);
  if (response.status === 403 && error.code === "password_change_required" && token) {
    passwordChangeRequired(token);
  }
  throw error;
}

/**
 * The server refused `token`: end the session on this device and tell the app (login screen).
 * Also called by the outbox, whose requests carry the same token. Nothing happens when the user
 * has meanwhile signed in again: a late answer about an old token must not end the new session.
 * @param {ApiError | { status: number, code: string, message: string }} error
 * @param {string} token the token the refused request carried
 */
export function sessionRejected(error, token) {
  if (currentToken() !== token) return;
  clearSession();
  void clearApiCache();
  onUnauthorized(error instanceof ApiError ? error : new ApiError(error.status, error.code, error.message));
}

/**
 * @param {Response} response
 * @returns {Promise<ApiError>}
 */
export async function toApiError(response) {
  const retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
  /** @type {Partial<ErrorBody> | null} */
  let body = null;
  try {
    body = await response.json();
  } catch {
    // A proxy's HTML error page or an empty body: fall through to the status alone.
  }
  // Only a string code is ours; flask-smorest's own errors put the numeric status in `code`.
  const code = typeof body?.code === "string" ? body.code : `http_${response.status}`;
  const message = typeof body?.message === "string" ? body.message : response.statusText;
  const details = body?.details && typeof body.details === "object" ? body.details : {};
  return new ApiError(response.status, code, message, details, retryAfter);
}

/**
 * Retry-After as seconds: a number of seconds or an HTTP date.
 * @param {string | null} value
 * @returns {number | null}
 */
export function parseRetryAfter(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.round((date - Date.now()) / 1000));
}

/**
 * Signs in and stores the session. Responses cached for the previous user are wiped first.
 * @param {string} username
 * @param {string} password
 * @returns {Promise<LoginResponse>}
 */
export async function login(username, password) {
  const result = /** @type {LoginResponse} */ (
    await apiFetch("/auth/login", {
      method: "POST",
      body: { username, password, device_id: deviceId() },
      auth: false,
    })
  );
  await clearApiCache();
  saveSession({ token: result.token, expiresAt: result.expires_at, user: result.user });
  return result;
}

/**
 * Signs out on the server, then on this device whatever the server said: a shared phone must not
 * stay signed in because the network was down.
 */
export async function logout() {
  try {
    await apiFetch("/auth/logout", { method: "POST" });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  } finally {
    clearSession();
    await clearApiCache();
  }
}

/**
 * Sets a new password. The server ends this account's other sessions; this one goes on, and the
 * stored user no longer has to change it.
 * @param {string} oldPassword
 * @param {string} newPassword
 */
export async function changePassword(oldPassword, newPassword) {
  await apiFetch("/auth/password", {
    method: "POST",
    body: { old_password: oldPassword, new_password: newPassword },
  });
  const session = loadSession();
  if (session) updateSessionUser({ ...session.user, must_change_password: false });
}

/** @returns {Promise<User>} */
export async function fetchMe() {
  return /** @type {User} */ (await apiFetch("/auth/me"));
}
