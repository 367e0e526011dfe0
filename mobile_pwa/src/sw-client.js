// The page's side of the service worker. The update policy lives here: a new version installs in
// the background and waits; the page announces it, and only when the user accepts does it ask the
// worker to take over (SKIP_WAITING) and reload. Nobody's inspection is reloaded from under them.

/** Same name as API_CACHE in /sw.js (a unit test holds them equal). */
export const API_CACHE = "xj-api";

/** @type {ServiceWorker | null} */
let waiting = null;
let accepted = false;
/** @type {Set<(ready: boolean) => void>} */
const listeners = new Set();

/**
 * Calls back with true when an update is waiting (and at once if one already is).
 * @param {(ready: boolean) => void} listener
 * @returns {() => void} unsubscribe
 */
export function onUpdateReady(listener) {
  listeners.add(listener);
  if (waiting) listener(true);
  return () => listeners.delete(listener);
}

/** @param {ServiceWorker} worker */
function announce(worker) {
  waiting = worker;
  for (const listener of listeners) listener(true);
}

/** The user accepted: let the waiting worker activate; the controllerchange below reloads. */
export function applyUpdate() {
  if (!waiting) return;
  accepted = true;
  waiting.postMessage({ type: "SKIP_WAITING" });
}

/** @param {string} [scriptUrl] */
export function registerServiceWorker(scriptUrl = "/sw.js") {
  if (!("serviceWorker" in navigator)) return; // plain http on a LAN address, or an old browser
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // Only after the user said yes: the first install takes control without a reload.
    if (!accepted) return;
    accepted = false;
    location.reload();
  });
  // A tapped push notification asks an open app to show a screen (sw.js notificationclick).
  navigator.serviceWorker.addEventListener("message", (event) => {
    const path = event.data?.type === "OPEN_ROUTE" ? event.data.path : null;
    if (typeof path === "string" && path.startsWith("/")) location.hash = `#${path}`;
  });
  // After load, so the worker's precache does not compete with the first screen for bandwidth.
  const start = () => void register(scriptUrl);
  if (document.readyState === "complete") start();
  else window.addEventListener("load", start, { once: true });
}

/** @param {string} scriptUrl */
async function register(scriptUrl) {
  let registration;
  try {
    registration = await navigator.serviceWorker.register(scriptUrl, { scope: "/", updateViaCache: "none" });
  } catch (error) {
    console.warn("service worker not registered", error);
    return;
  }
  // Some embedded browsers (and automation with workers blocked) resolve without a registration.
  if (!registration) return;
  // A controller means an older version runs this page; without one this is the first install.
  if (registration.waiting && navigator.serviceWorker.controller) announce(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller) announce(worker);
    });
  });
  // An installed PWA can stay open for a whole shift; look for a new version when it comes back.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") registration.update().catch(() => {});
  });
}

/** Wipes API responses cached for the signed-in user (at login, logout and on a 401). */
export async function clearApiCache() {
  try {
    await globalThis.caches?.delete(API_CACHE);
  } catch {
    // No Cache API (insecure context) means nothing was cached.
  }
}

/**
 * The version of the shell serving this page (the hash `npm run stamp` wrote into sw.js), asked
 * of the controlling worker; null without one (first visit, plain http) or if it does not answer.
 * @param {number} [timeoutMs]
 * @returns {Promise<string | null>}
 */
export function shellVersion(timeoutMs = 1000) {
  const controller = globalThis.navigator?.serviceWorker?.controller;
  if (!controller) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), timeoutMs);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(typeof event.data?.version === "string" ? event.data.version : null);
    };
    controller.postMessage({ type: "GET_VERSION" }, [channel.port2]);
  });
}
