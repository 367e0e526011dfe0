// The service worker's policy, checked by running sw.js in a VM context with a fake worker scope:
// which requests it answers, that it never answers a non-GET, and that it never skips waiting on
// its own. The real thing runs in Chromium in tests/e2e.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";
import { SW_PATH, currentBlock, shellBlock } from "../../scripts/stamp_sw.mjs";
import { API_CACHE } from "../../src/sw-client.js";

const ORIGIN = "https://xj.example";
const source = readFileSync(SW_PATH, "utf8");

function loadWorker() {
  const listeners = {};
  const calls = { skipWaiting: 0, opened: [], added: [], deleted: [], shown: [], posted: [], focused: 0, openedWindows: [] };
  const windows = [];
  const cache = {
    addAll: async (requests) => calls.added.push(...requests.map((r) => new URL(r.url).pathname)),
    match: async () => undefined,
    put: async () => {},
  };
  const self = {
    location: new URL(`${ORIGIN}/sw.js`),
    addEventListener: (type, fn) => (listeners[type] = fn),
    skipWaiting: async () => void calls.skipWaiting++,
    navigator: { language: "zh-CN" },
    registration: { showNotification: async (title, options) => void calls.shown.push({ title, options }) },
    clients: {
      matchAll: async () => windows,
      openWindow: async (url) => void calls.openedWindows.push(url),
    },
  };
  const caches = {
    open: async (name) => (calls.opened.push(name), cache),
    keys: async () => ["xj-shell-old", "xj-api", "someone-else"],
    delete: async (name) => (calls.deleted.push(name), true),
  };
  // Relative URLs resolve against the worker's origin, as in a browser.
  class WorkerRequest extends Request {
    constructor(input, init) {
      super(typeof input === "string" ? new URL(input, ORIGIN) : input, init);
    }
  }
  const fetch = async () => new Response("from the network");
  const context = vm.createContext({ self, caches, URL, Request: WorkerRequest, Response, fetch, setTimeout });
  vm.runInContext(source, context, { filename: "sw.js" });
  return { context, listeners, calls, windows };
}

/** A fetch event that records whether the worker answered it. */
function fetchEvent(url, { method = "GET", mode = "cors" } = {}) {
  const request = { url: new URL(url, ORIGIN).href, method, mode };
  return {
    request,
    responded: false,
    /** @param {Promise<Response>} answer */
    respondWith(answer) {
      this.responded = true;
      answer.catch(() => {}); // what it answers is the e2e tests' business
    },
  };
}

test("sw.js lists the current shell files and their version (else: npm run stamp)", () => {
  assert.equal(currentBlock(), shellBlock(), "sw.js is stale: run `npm run stamp` in mobile_pwa/");
});

test("the page and the worker name the same API cache", () => {
  assert.match(source, new RegExp(`const API_CACHE = "${API_CACHE}";`));
});

test("non-GET requests are never answered by the worker", () => {
  const { listeners } = loadWorker();
  for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
    for (const url of ["/api/v1/meta", "/api/v1/auth/login", "/src/app.js", "/"]) {
      const event = fetchEvent(url, { method });
      listeners.fetch(event);
      assert.equal(event.responded, false, `${method} ${url}`);
    }
  }
});

test("GETs: shell and listed API paths are answered, everything else is left alone", () => {
  const { listeners } = loadWorker();
  const answered = (url, options) => {
    const event = fetchEvent(url, options);
    listeners.fetch(event);
    return event.responded;
  };
  assert.ok(answered("/", { mode: "navigate" }));
  assert.ok(answered("/index.html", { mode: "navigate" }));
  assert.ok(answered("/src/app.js"));
  assert.ok(answered("/vendor/preact.js"));
  assert.ok(answered("/api/v1/meta"));
  assert.ok(!answered("/api/v1/auth/me"), "unlisted API GET");
  assert.ok(!answered("/apidocs", { mode: "navigate" }), "other server pages stay online");
  assert.ok(!answered("/src/app.js?v=2"), "a query string is not a shell file");
  assert.ok(!answered("https://elsewhere.example/src/app.js"), "other origins");
});

test("install precaches the shell and does not skip waiting; only the page's message does", async () => {
  const { listeners, calls } = loadWorker();
  let done;
  listeners.install({ waitUntil: (p) => (done = p) });
  await done;
  assert.equal(calls.skipWaiting, 0);
  assert.ok(calls.added.includes("/") && calls.added.includes("/src/main.js"));
  assert.match(calls.opened[0], /^xj-shell-[0-9a-f]{16}$/);

  listeners.message({ data: { type: "something else" } });
  assert.equal(calls.skipWaiting, 0);
  listeners.message({ data: { type: "SKIP_WAITING" } });
  assert.equal(calls.skipWaiting, 1);
});

test("activate deletes older shell caches only", async () => {
  const { listeners, calls } = loadWorker();
  let done;
  listeners.activate({ waitUntil: (p) => (done = p) });
  await done;
  assert.deepEqual(calls.deleted, ["xj-shell-old"]);
});

test("the worker tells the page its version (reported in the heartbeat), and nothing else happens", () => {
  const { listeners, calls } = loadWorker();
  const answers = [];
  listeners.message({ data: { type: "GET_VERSION" }, ports: [{ postMessage: (m) => answers.push(m) }] });
  const version = source.match(/const VERSION = "(\w+)";/)?.[1];
  assert.equal(answers.length, 1);
  assert.equal(answers[0].version, version); // an object of the worker's realm: compare the field
  assert.equal(calls.skipWaiting, 0);
});


/** A push or notificationclick event whose waitUntil promise the test can await. */
function waitingEvent(fields = {}) {
  return { ...fields, done: Promise.resolve(), waitUntil(promise) { this.done = promise; } };
}

test("a push wake-up shows one notification, in the phone's language, whatever it carries", async () => {
  const { listeners, calls } = loadWorker();
  const empty = waitingEvent({ data: null });
  listeners.push(empty);
  await empty.done;
  assert.equal(calls.shown[0].title, "巡检");
  assert.equal(calls.shown[0].options.tag, "xj-feed");
  assert.equal(calls.shown[0].options.data.url, "/#/notifications");
  const text = waitingEvent({ data: { json: () => ({ title: "新工单", body: "3 栋漏水" }) } });
  listeners.push(text);
  await text.done;
  assert.deepEqual([calls.shown[1].title, calls.shown[1].options.body], ["新工单", "3 栋漏水"]);
  const broken = waitingEvent({ data: { json: () => { throw new SyntaxError("not JSON"); } } });
  listeners.push(broken);
  await broken.done;
  assert.equal(calls.shown.length, 3);
});

test("tapping the notification focuses an open app and routes it, or opens the app", async () => {
  const { listeners, calls, windows } = loadWorker();
  let closed = 0;
  const tap = () => waitingEvent({ notification: { close: () => void closed++ } });
  const first = tap();
  listeners.notificationclick(first);
  await first.done;
  assert.deepEqual(calls.openedWindows, ["/#/notifications"]);
  windows.push({
    url: `${ORIGIN}/#/inspect/3`,
    postMessage: (message) => void calls.posted.push(message),
    focus: async () => (calls.focused++, windows[0]),
  });
  const second = tap();
  listeners.notificationclick(second);
  await second.done;
  assert.equal(closed, 2);
  assert.equal(calls.focused, 1);
  assert.equal(JSON.stringify(calls.posted), JSON.stringify([{ type: "OPEN_ROUTE", path: "/notifications" }])); // made in the VM
  assert.equal(calls.openedWindows.length, 1); // not a second window
});
