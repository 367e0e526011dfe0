// Xunjian service worker, hand-written on purpose (docs/PWA.md explains the policy).
// - The app shell is precached under a versioned cache and served cache-first.
// - A few GET API paths, listed in API_GET, are network-first with a cached fallback.
// - Non-GET requests are never handled: writes belong to the page's own offline queue, where
//   they can be shown, retried and reported; a worker that swallowed them could lose evidence.
// - install never calls skipWaiting(): a new version waits until the user accepts the update in
//   the page, which then posts SKIP_WAITING. An inspection is never reloaded from under anyone.
/// <reference lib="webworker" />
const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

// <shell> written by `npm run stamp` (scripts/stamp_sw.mjs) from the files it lists; do not edit.
const VERSION = "0659b1ac3d185bcf";
const SHELL = [
  "/",
  "/icons/apple-touch-icon.png",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/icon-maskable-192.png",
  "/icons/icon-maskable-512.png",
  "/manifest.webmanifest",
  "/src/api-enums.js",
  "/src/api.js",
  "/src/app.js",
  "/src/components/camera.js",
  "/src/components/scanner-decode.js",
  "/src/components/scanner.js",
  "/src/components/signature-image.js",
  "/src/components/signature.js",
  "/src/components/staff-picker.js",
  "/src/components/topbar.js",
  "/src/components/update-banner.js",
  "/src/html.js",
  "/src/i18n.js",
  "/src/lazy.js",
  "/src/locales/en.js",
  "/src/locales/zh-CN.js",
  "/src/main.js",
  "/src/notify.js",
  "/src/outbox-status.js",
  "/src/outbox/db.js",
  "/src/outbox/explain.js",
  "/src/outbox/heartbeat.js",
  "/src/outbox/outbox.js",
  "/src/outbox/photo.js",
  "/src/outbox/policy.js",
  "/src/outbox/runtime.js",
  "/src/outbox/sha256.js",
  "/src/outbox/transport.js",
  "/src/roles.js",
  "/src/router.js",
  "/src/screens/change-password.js",
  "/src/screens/handover.js",
  "/src/screens/home.js",
  "/src/screens/inspection.js",
  "/src/screens/login.js",
  "/src/screens/notice.js",
  "/src/screens/notifications.js",
  "/src/screens/outbox.js",
  "/src/screens/patrol-run.js",
  "/src/screens/roles/admin.js",
  "/src/screens/roles/common.js",
  "/src/screens/roles/duty-rules.js",
  "/src/screens/roles/engineer-steps.js",
  "/src/screens/roles/floor-manager.js",
  "/src/screens/roles/front-desk.js",
  "/src/screens/roles/manager.js",
  "/src/screens/roles/night-duty.js",
  "/src/screens/roles/oversight.js",
  "/src/screens/roles/renovation-sites.js",
  "/src/screens/roles/return-visits.js",
  "/src/screens/roles/supervisor.js",
  "/src/screens/roles/work-orders.js",
  "/src/screens/roles/work-rules.js",
  "/src/screens/setup/checklist.js",
  "/src/screens/setup/checkpoints.js",
  "/src/screens/setup/common.js",
  "/src/screens/setup/guide.js",
  "/src/screens/setup/people.js",
  "/src/screens/setup/routes.js",
  "/src/screens/setup/rules.js",
  "/src/screens/setup/settings.js",
  "/src/screens/setup/setup.js",
  "/src/screens/setup/structure.js",
  "/src/screens/spot-check.js",
  "/src/screens/tools.js",
  "/src/session.js",
  "/src/storage.js",
  "/src/sw-client.js",
  "/src/ui.css",
  "/vendor/htm.js",
  "/vendor/jsqr.js",
  "/vendor/preact-hooks.js",
  "/vendor/preact.js",
  "/vendor/signature-pad.js",
];
// </shell>

const SHELL_PREFIX = "xj-shell-";
const SHELL_CACHE = SHELL_PREFIX + VERSION;
// src/sw-client.js deletes this cache at login, logout and on a 401, so a listed path whose answer
// depends on the user never outlives that user's session on a shared phone.
const API_CACHE = "xj-api";
// Reference data a screen needs offline; keep it short. Listing a path here is the decision to
// keep its answers on the device: the API's default Cache-Control: no-store speaks to HTTP caches,
// and the Cache API ignores it, so it is not consulted a second time.
const API_GET = ["/api/v1/meta"];
// On a slow network a cached answer after this long beats a spinner.
const API_TIMEOUT_MS = 4000;

sw.addEventListener("install", (event) => {
  // cache: "reload" skips the HTTP cache so the precache holds exactly this version's files.
  const requests = SHELL.map((path) => new Request(path, { cache: "reload" }));
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(requests)));
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) =>
      Promise.all(
        keys
          .filter((key) => key.startsWith(SHELL_PREFIX) && key !== SHELL_CACHE)
          .map((key) => caches.delete(key)),
      ),
    ),
  );
});

sw.addEventListener("message", (event) => {
  if (event.data?.type === "SKIP_WAITING") void sw.skipWaiting();
  // The page reports the version it runs in its heartbeat (src/sw-client.js shellVersion).
  if (event.data?.type === "GET_VERSION") event.ports[0]?.postMessage({ version: VERSION });
});

sw.addEventListener("fetch", (event) => {
  const strategy = strategyFor(event.request);
  if (strategy === "shell") event.respondWith(fromShell(event.request));
  else if (strategy === "api") event.respondWith(networkFirst(event.request));
  // Anything else, every non-GET above all, goes to the network untouched.
});

/**
 * @param {Request} request
 * @returns {"shell" | "api" | null}
 */
function strategyFor(request) {
  if (request.method !== "GET") return null;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return null;
  // Hash routing keeps the app at "/", so only that page is served from the shell; other pages
  // of the server (API docs, admin tools) stay online-only.
  if (request.mode === "navigate") {
    return url.pathname === "/" || url.pathname === "/index.html" ? "shell" : null;
  }
  if (url.search === "" && SHELL.includes(url.pathname)) return "shell";
  if (API_GET.includes(url.pathname)) return "api";
  return null;
}

/** @param {Request} request */
async function fromShell(request) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = await cache.match(request.mode === "navigate" ? "/" : request);
  return hit ?? fetch(request);
}

/** @param {Request} request */
async function networkFirst(request) {
  const cache = await caches.open(API_CACHE);
  const network = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(request, response.clone());
    return response;
  });
  const cached = await cache.match(request);
  if (!cached) return network; // a network error reaches the page as one, which it reports
  /** @type {Promise<Response>} */
  const late = new Promise((resolve) => setTimeout(() => resolve(cached), API_TIMEOUT_MS));
  return Promise.race([network.catch(() => cached), late]);
}

// Web Push: the server sends content-free wake-ups (nothing about owners passes through a push
// service), so the text is ours; a payload with {title, body} is shown as it is. The feed itself
// is read by the page (#/notifications), signed in, never by the worker.
const FEED_URL = "/#/notifications";

sw.addEventListener("push", (event) => {
  /** @type {{ title?: string, body?: string }} */
  let payload = {};
  try {
    payload = event.data?.json() ?? {};
  } catch {
    payload = {};
  }
  const zh = !(sw.navigator?.language ?? "zh").toLowerCase().startsWith("en");
  event.waitUntil(
    sw.registration.showNotification(payload.title || (zh ? "巡检" : "Xunjian"), {
      body: payload.body || (zh ? "您有新的消息，点按查看。" : "You have new notifications. Tap to read."),
      icon: "/icons/icon-192.png",
      tag: "xj-feed", // one notification on the lock screen, however many wake-ups
      data: { url: FEED_URL },
    }),
  );
});

sw.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(
    sw.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).origin === sw.location.origin);
      if (!open) return sw.clients.openWindow(FEED_URL).then(() => undefined);
      // The page changes its own hash route: navigate() would reload it, mid-inspection perhaps.
      open.postMessage({ type: "OPEN_ROUTE", path: "/notifications" });
      return open.focus().then(() => undefined);
    }),
  );
});
