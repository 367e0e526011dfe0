// In-app notifications: the server's feed is read with `after=<cursor>` (oldest first, so the
// phone appends), polled every minute while the app is open and visible, on `online` and when the
// app comes back to the front. The feed is kept in localStorage for the signed-in user (it opens
// offline); a copy that belongs to someone else is dropped, never shown. Web Push only wakes the
// phone up (sw.js); what it says is always read here.
import { useEffect, useState } from "preact/hooks";
import { apiFetch } from "./api.js";
import { readItem, writeItem } from "./storage.js";

/** @typedef {import("./types/contract").Feed} FeedPage */
/** @typedef {import("./types/contract").Notification} Notification */
/** @typedef {{ user_id: number | null, cursor: string | null, unread: number, items: Notification[] }} Feed */

export const FEED_KEY = "xj.feed";
export const POLL_MS = 60_000;
export const KEEP = 100; // the newest this many stay on the phone
const MAX_PAGES = 10; // a first poll on a busy account: at most KEEP × a few items

/**
 * @param {number | null} userId
 * @returns {Feed}
 */
export function emptyFeed(userId) {
  return { user_id: userId, cursor: null, unread: 0, items: [] };
}

/**
 * The stored feed when it is this user's, else an empty one.
 * @param {string | null} text
 * @param {number | null} userId
 * @returns {Feed}
 */
export function parseFeed(text, userId) {
  try {
    const feed = text ? /** @type {Feed} */ (JSON.parse(text)) : null;
    if (feed && feed.user_id === userId && Array.isArray(feed.items)) return feed;
  } catch {
    // a damaged copy is as good as none: the server has it all
  }
  return emptyFeed(userId);
}

/**
 * One page of the server's feed appended: no duplicates, the newest KEEP kept, the cursor and
 * the unread count taken from the server.
 * @param {Feed} feed
 * @param {FeedPage} page
 * @param {number} [keep]
 * @returns {Feed}
 */
export function mergeFeed(feed, page, keep = KEEP) {
  const seen = new Set(feed.items.map((n) => n.id));
  const items = [...feed.items, ...(page.items ?? []).filter((n) => !seen.has(n.id))].slice(-keep);
  return { ...feed, items, cursor: page.cursor ?? feed.cursor, unread: page.unread_count ?? feed.unread };
}

/**
 * Everything up to `upTo` marked read on the phone (the server is told through the outbox).
 * @param {Feed} feed
 * @param {number} upTo
 * @param {string} at
 * @returns {Feed}
 */
export function markReadUpTo(feed, upTo, at) {
  let cleared = 0;
  const items = feed.items.map((n) => {
    if ((n.id ?? 0) > upTo || n.read_at) return n;
    cleared += 1;
    return { ...n, read_at: at };
  });
  return { ...feed, items, unread: Math.max(0, feed.unread - cleared) };
}

/**
 * The applicationServerKey for pushManager.subscribe from the server's base64url VAPID key.
 * @param {string} base64url
 * @returns {Uint8Array<ArrayBuffer>}
 */
export function vapidKeyBytes(base64url) {
  const base64 = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/**
 * The body of POST /notifications/push-subscriptions from PushSubscription.toJSON().
 * @param {PushSubscriptionJSON} json
 * @returns {import("./types/contract").PushSubscribe}
 */
export function subscriptionBody(json) {
  return {
    endpoint: json.endpoint ?? "",
    expirationTime: json.expirationTime ?? null,
    keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
  };
}

/** @type {Set<(feed: Feed) => void>} */
const listeners = new Set();

/** @param {number | null} userId */
export function storedFeed(userId) {
  return parseFeed(readItem(FEED_KEY), userId);
}

/** @param {Feed} feed */
export function saveFeed(feed) {
  writeItem(FEED_KEY, JSON.stringify(feed));
  for (const listener of listeners) listener(feed);
}

/** @type {Promise<Feed> | null} */
let polling = null;

/**
 * Reads what is new since the stored cursor (one poll at a time, however many screens ask).
 * @param {number | null} userId
 */
export function pollFeed(userId) {
  polling ??= (async () => {
    let feed = storedFeed(userId);
    try {
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const query = new URLSearchParams({ limit: "50" });
        if (feed.cursor) query.set("after", feed.cursor);
        const answer = /** @type {FeedPage} */ (await apiFetch(`/notifications?${query}`));
        feed = mergeFeed(feed, answer);
        if (!answer.more) break;
      }
      saveFeed(feed);
      return feed;
    } finally {
      polling = null;
    }
  })();
  return polling;
}

/**
 * The feed, kept fresh while the app is open: a poll now, every POLL_MS while visible, on
 * `online` and when the app comes back to the front. Offline polls fail quietly: the stored
 * feed stays on screen.
 * @param {number | null} userId
 * @returns {{ feed: Feed, refresh: () => Promise<void> }}
 */
export function useFeed(userId) {
  const [feed, setFeed] = useState(() => storedFeed(userId));
  const refresh = () => pollFeed(userId).then(() => undefined, () => undefined);
  useEffect(() => {
    /** @param {Feed} next */
    const listener = (next) => next.user_id === userId && setFeed(next);
    listeners.add(listener);
    void refresh();
    const timer = setInterval(() => document.visibilityState === "visible" && void refresh(), POLL_MS);
    const wake = () => document.visibilityState === "visible" && void refresh();
    window.addEventListener("online", wake);
    document.addEventListener("visibilitychange", wake);
    return () => {
      listeners.delete(listener);
      clearInterval(timer);
      window.removeEventListener("online", wake);
      document.removeEventListener("visibilitychange", wake);
    };
  }, [userId]);
  return { feed, refresh };
}

/**
 * At sign-out, this phone stops waking up for the person leaving: a shared duty phone must not
 * keep pinging the last user. The browser's subscription is dropped at once; the server is told
 * too while the session still holds (if offline, the push service reports the endpoint gone at
 * the next push and the server drops it then). Best effort: sign-out never waits on it failing.
 * @returns {Promise<void>}
 */
export async function dropPushSubscription() {
  try {
    const registration = await globalThis.navigator?.serviceWorker?.getRegistration();
    const subscription = await registration?.pushManager?.getSubscription();
    if (!subscription) return;
    const endpoint = subscription.endpoint;
    await subscription.unsubscribe().catch(() => false);
    await apiFetch("/notifications/push-subscriptions", { method: "DELETE", body: { endpoint }, timeoutMs: 5_000 });
  } catch {
    // Offline or already gone: see above.
  }
}
