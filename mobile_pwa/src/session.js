// The signed-in session on this device: bearer token, its expiry and the user from the login
// response. Kept in localStorage so a reload, or opening the app offline, keeps the user signed in.
import { readItem, writeItem, removeItem } from "./storage.js";

/** @typedef {import("./types/contract").User} User */
/** @typedef {{ token: string, expiresAt: string, user: User }} Session */

const SESSION_KEY = "xj.session";
const DEVICE_KEY = "xj.device_id";

/**
 * The stored session, or null when there is none, it is unreadable, or it has expired.
 * @param {number} [now]
 * @returns {Session | null}
 */
export function loadSession(now = Date.now()) {
  const raw = readItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const session = /** @type {Session} */ (JSON.parse(raw));
    if (!session.token || !session.user) return null;
    if (Date.parse(session.expiresAt) <= now) {
      removeItem(SESSION_KEY);
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

/** @param {Session} session */
export function saveSession(session) {
  writeItem(SESSION_KEY, JSON.stringify(session));
}

/** @param {User} user */
export function updateSessionUser(user) {
  const session = loadSession();
  if (session) saveSession({ ...session, user });
}

export function clearSession() {
  removeItem(SESSION_KEY);
}

/**
 * The id the outbox records as a capture's owner: the user's numeric id, else the username.
 * @param {User | undefined | null} user
 * @returns {string | number | null}
 */
export function ownerIdOf(user) {
  return user?.id ?? user?.username ?? null;
}

/** @returns {string | null} */
export function currentToken() {
  return loadSession()?.token ?? null;
}

/**
 * A random id for this browser install, sent at login so the server can tell devices apart
 * (shared duty phones). crypto.randomUUID exists only in secure contexts, hence the fallback.
 */
export function deviceId() {
  let id = readItem(DEVICE_KEY);
  if (!id) {
    id = newUuid();
    writeItem(DEVICE_KEY, id);
  }
  return id;
}

/**
 * Adopts the id the outbox keeps in IndexedDB, which holds the photos signed with it: clearing
 * "site data" partly (localStorage only) must not give the same phone a second identity.
 * @param {string} id
 */
export function adoptDeviceId(id) {
  if (readItem(DEVICE_KEY) !== id) writeItem(DEVICE_KEY, id);
}

/** A uuid v4, also where crypto.randomUUID is missing (insecure contexts, older Safari). */
export function newUuid() {
  return globalThis.crypto?.randomUUID?.() ?? randomUuid();
}

function randomUuid() {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
