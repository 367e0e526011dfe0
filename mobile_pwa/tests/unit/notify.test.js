// The notification feed's pure parts: whose copy it is, appending pages, marking read, and the
// Web Push subscription's key and body.
import { test } from "node:test";
import assert from "node:assert/strict";
import { emptyFeed, markReadUpTo, mergeFeed, parseFeed, subscriptionBody, vapidKeyBytes } from "../../src/notify.js";

const note = (id, read_at = null) => ({ id, kind: "assigned", message: `m${id}`, message_zh: `消息${id}`, read_at });

test("the stored feed is shown only to the user it belongs to", () => {
  const text = JSON.stringify({ ...emptyFeed(5), items: [note(1)], cursor: "1", unread: 1 });
  assert.equal(parseFeed(text, 5).items.length, 1);
  assert.deepEqual(parseFeed(text, 6), emptyFeed(6));
  assert.deepEqual(parseFeed("{not json", 5), emptyFeed(5));
  assert.deepEqual(parseFeed(null, 5), emptyFeed(5));
});

test("pages append without duplicates; cursor and unread count come from the server", () => {
  let feed = mergeFeed(emptyFeed(5), { items: [note(1), note(2)], cursor: "2", unread_count: 2 });
  feed = mergeFeed(feed, { items: [note(2), note(3)], cursor: "3", unread_count: 3 });
  assert.deepEqual(feed.items.map((n) => n.id), [1, 2, 3]);
  assert.equal(feed.cursor, "3");
  assert.equal(feed.unread, 3);
  // An empty poll keeps the cursor (the server answers `after` back, or null).
  assert.equal(mergeFeed(feed, { items: [], cursor: null }).cursor, "3");
  // Only the newest are kept.
  assert.deepEqual(mergeFeed(feed, { items: [note(4)], cursor: "4" }, 2).items.map((n) => n.id), [3, 4]);
});

test("marking read up to an id clears those and lowers the count", () => {
  const feed = { ...emptyFeed(5), items: [note(1, "earlier"), note(2), note(3)], unread: 2 };
  const read = markReadUpTo(feed, 2, "now");
  assert.deepEqual(read.items.map((n) => n.read_at), ["earlier", "now", null]);
  assert.equal(read.unread, 1);
  assert.equal(markReadUpTo(feed, 9, "now").unread, 0);
});

test("the VAPID key is decoded from base64url, padding or not", () => {
  const bytes = Uint8Array.from([4, 250, 251, 255, 0, 63]);
  const url = Buffer.from(bytes).toString("base64url");
  assert.ok(!url.includes("=") && /[-_]/.test(url));
  assert.deepEqual([...vapidKeyBytes(url)], [...bytes]);
});

test("the subscription body is what the server's PushSubscribe takes", () => {
  const json = { endpoint: "https://push.example/abc", expirationTime: null, keys: { p256dh: "P", auth: "A" } };
  assert.deepEqual(subscriptionBody(json), json);
  assert.deepEqual(subscriptionBody({ endpoint: "e" }), { endpoint: "e", expirationTime: null, keys: { p256dh: "", auth: "" } });
});

test("signing out drops this phone's push subscription, here and on the server", async () => {
  const { dropPushSubscription } = await import("../../src/notify.js");
  const calls = [];
  let unsubscribed = false;
  const subscription = { endpoint: "https://push.example/abc", unsubscribe: async () => (unsubscribed = true) };
  const saved = { navigator: Object.getOwnPropertyDescriptor(globalThis, "navigator"), fetch: globalThis.fetch };
  Object.defineProperty(globalThis, "navigator", {
    configurable: true,
    value: { serviceWorker: { getRegistration: async () => ({ pushManager: { getSubscription: async () => subscription } }) } },
  });
  globalThis.fetch = async (url, init) => {
    calls.push([String(url), init.method, JSON.parse(init.body)]);
    return new Response(null, { status: 204 });
  };
  try {
    await dropPushSubscription();
    assert.equal(unsubscribed, true);
    assert.deepEqual(calls, [["/api/v1/notifications/push-subscriptions", "DELETE", { endpoint: subscription.endpoint }]]);
    // Offline: the browser's subscription still goes, and sign-out is not held up.
    unsubscribed = false;
    globalThis.fetch = async () => { throw new TypeError("Failed to fetch"); };
    await dropPushSubscription();
    assert.equal(unsubscribed, true);
  } finally {
    if (saved.navigator) Object.defineProperty(globalThis, "navigator", saved.navigator);
    else delete globalThis.navigator;
    globalThis.fetch = saved.fetch;
  }
});
