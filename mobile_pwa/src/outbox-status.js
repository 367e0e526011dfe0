// The outbox as the first screen sees it: a count for the top bar's badge, and the door to the
// outbox itself, whose modules (IndexedDB, transport, runtime) load only when needed. The first
// screen's request budget (docs/PWA.md) has no room for them on a cold visit, and a signed-out
// phone with nothing queued has no use for them.
import { useEffect, useState } from "preact/hooks";
import { readItem, writeItem } from "./storage.js";

// The last count the outbox published, so the badge is right before the outbox has loaded, and
// so a signed-out phone knows whether it holds anything worth loading the outbox for.
const HINT_KEY = "xj.outbox.count";

/**
 * @typedef {object} OutboxStatus
 * @property {number} count items a person captured that the server does not have yet
 * @property {number} parked of which waiting for a person (conflict or refused)
 * @property {boolean} ready the outbox has loaded and counted (else `count` is the hint)
 */

/** @type {OutboxStatus} */
let status = { count: Math.max(0, Number(readItem(HINT_KEY)) || 0), parked: 0, ready: false };
/** @type {Set<(status: OutboxStatus) => void>} */
const listeners = new Set();

/** @returns {OutboxStatus} */
export function outboxStatus() {
  return status;
}

/** Called by the outbox runtime whenever its items change. @param {{ count: number, parked: number }} next */
export function publishOutboxStatus(next) {
  status = { count: next.count, parked: next.parked, ready: true };
  writeItem(HINT_KEY, String(next.count));
  for (const listener of listeners) listener(status);
}

/** The status as component state. */
export function useOutboxStatus() {
  const [value, setValue] = useState(status);
  useEffect(() => {
    listeners.add(setValue);
    setValue(status); // it may have changed between render and effect
    return () => void listeners.delete(setValue);
  }, []);
  return value;
}

/** @type {Promise<import("./outbox/runtime.js").OutboxRuntime> | null} */
let loading = null;

/**
 * Loads and starts the outbox once; later calls get the same runtime.
 * @returns {Promise<import("./outbox/runtime.js").OutboxRuntime>}
 */
export function loadOutbox() {
  loading ??= import("./outbox/runtime.js")
    .then((m) => m.startOutbox())
    .catch((error) => {
      loading = null; // let a later screen try again (e.g. the module fetch failed offline)
      throw error;
    });
  return loading;
}

/**
 * Whether the app should start the outbox now: when someone is signed in (they may capture, and
 * their queue must flow), or when items are waiting for a sign-in (the badge must be exact).
 * @param {boolean} signedIn
 */
export function outboxWanted(signedIn) {
  return signedIn || status.count > 0;
}
