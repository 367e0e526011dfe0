// The outbox in the browser: one per page, started by outbox-status.loadOutbox(). It decides WHEN
// to sync — on start, on the `online` event, when the app comes back to the foreground, on
// "Sync now", and on a timer set to the next item's retry time — and keeps the heartbeat going.
// What a sync does is outbox.js; the screens read `snapshot` and call the methods here.
import { passwordChangeRequired, sessionRejected } from "../api.js";
import { publishOutboxStatus } from "../outbox-status.js";
import { adoptDeviceId, deviceId, loadSession, newUuid, ownerIdOf } from "../session.js";
import { shellVersion } from "../sw-client.js";
import { openOutboxDb } from "./db.js";
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_URL, buildHeartbeat, deviceFacts } from "./heartbeat.js";
import { createOutbox } from "./outbox.js";
import { compareItems, countsOf, kindPolicy } from "./policy.js";
import { sendJson, uploadPhoto } from "./transport.js";

/** @typedef {import("../types/outbox").OutboxItem} OutboxItem */
/** @typedef {import("./outbox.js").Outbox} Outbox */
/** @typedef {import("./outbox.js").SyncReport} SyncReport */

/**
 * What the screens show.
 * @typedef {object} OutboxSnapshot
 * @property {OutboxItem[]} items visible items, oldest first
 * @property {Record<string, number>} progress live upload progress (0..1) by client_id
 * @property {boolean} online
 * @property {boolean} syncing
 * @property {boolean | null} persisted storage.persist() granted (null: not supported)
 * @property {SyncReport | null} lastReport
 * @property {string | number | null} owner the signed-in user's id (items of others wait)
 */

// Never wait less: a wakeAt in the past (clock change) must not become a busy loop.
const MIN_TIMER_MS = 500;

export class OutboxRuntime {
  /** @param {import("./db.js").OutboxDb} db @param {string} device */
  constructor(db, device) {
    this.db = db;
    this.deviceId = device;
    /** @type {Set<(snapshot: OutboxSnapshot) => void>} */
    this.listeners = new Set();
    /** @type {OutboxSnapshot} */
    this.snapshot = {
      items: [],
      progress: {},
      online: navigator.onLine,
      syncing: false,
      persisted: null,
      lastReport: null,
      owner: ownerIdOf(loadSession()?.user),
    };
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    // Another tab of the app changed the outbox (captured, sent): re-read, so its badge and list
    // never show a count that is no longer true.
    this.channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("xj-outbox") : null;
    this.refreshing = false;
    this.refreshAgain = false;
    this.persistAsked = false;
    /** @type {Outbox} */
    this.outbox = createOutbox({
      db,
      transport: { sendJson: (item, token) => sendJson(item, token), uploadPhoto },
      getAuth: () => {
        const session = loadSession();
        return session ? { token: session.token, userId: ownerIdOf(session.user) } : null;
      },
      isOnline: () => navigator.onLine,
      newId: newUuid,
      exclusive: exclusive,
      onUnauthorized: (outcome, token) =>
        outcome.code === "password_change_required"
          ? passwordChangeRequired(token)
          : sessionRejected(outcome, token),
      onChange: () => {
        void this.refresh();
        this.channel?.postMessage("changed");
      },
      onProgress: (id, fraction) => this.progress(id, fraction),
    });
  }

  /** @param {(snapshot: OutboxSnapshot) => void} listener @returns {() => void} */
  subscribe(listener) {
    this.listeners.add(listener);
    listener(this.snapshot);
    return () => void this.listeners.delete(listener);
  }

  /** @param {Partial<OutboxSnapshot>} patch */
  publish(patch) {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener(this.snapshot);
  }

  /** Re-reads the records; calls during a read make one more read, not one each. */
  async refresh() {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      do {
        this.refreshAgain = false;
        const all = await this.outbox.items();
        const counts = countsOf(all);
        publishOutboxStatus({ count: counts.total, parked: counts.parked });
        if (counts.total > 0) void this.requestPersist(); // something is at stake now
        const items = all.filter((i) => kindPolicy(i.kind).visible).sort(compareItems);
        this.publish({ items, owner: ownerIdOf(loadSession()?.user), online: navigator.onLine });
      } while (this.refreshAgain);
    } finally {
      this.refreshing = false;
    }
  }

  /** @param {string} id @param {number | null} fraction */
  progress(id, fraction) {
    const progress = { ...this.snapshot.progress };
    if (fraction === null) delete progress[id];
    else progress[id] = fraction;
    this.publish({ progress });
  }

  /**
   * Runs a sync and sets the timer for the next one.
   * @param {import("./outbox.js").Force} [force]
   */
  async sync(force) {
    clearTimeout(this.timer);
    this.publish({ syncing: true });
    /** @type {SyncReport | null} */
    let report = null;
    try {
      report = await this.outbox.sync({ force });
    } catch (error) {
      // An IndexedDB failure (quota, private mode): the records are where they were; try later.
      console.warn("outbox sync failed", error);
    } finally {
      this.publish({ syncing: this.outbox.syncing, lastReport: report });
    }
    if (!report) return this.wake(Date.now() + 30_000);
    if (report.wakeAt !== null) this.wake(report.wakeAt);
    // "After each sync": the server learns at once that the phone emptied (or did not).
    if (report.sent > 0) void this.heartbeat();
    return report;
  }

  /** @param {number} at */
  wake(at) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.sync(), Math.max(MIN_TIMER_MS, at - Date.now()));
  }

  /** "立即同步 / Sync now": every backoff ends now. */
  syncNow() {
    return this.sync("all");
  }

  /** Queues a heartbeat (replacing any older one still queued) and sends it. */
  async heartbeat() {
    if (!loadSession()) return; // the endpoint needs a session; sign-in queues a fresh one
    const [items, facts, version] = await Promise.all([this.outbox.items(), deviceFacts(), shellVersion()]);
    const body = buildHeartbeat({ deviceId: this.deviceId, items, appVersion: version ?? "none", ...facts });
    await this.outbox.enqueue({ kind: "heartbeat", url: HEARTBEAT_URL, body });
    await this.sync();
  }

  /**
   * Asks the browser not to evict this site's storage under pressure, once per page, as soon as
   * something waits (or on a capture, or Sync now); the answer is shown on the outbox screen.
   * Chromium decides silently (installed or often used: yes); Firefox asks the person, which is
   * why it is not asked at start, before there is anything to protect.
   */
  async requestPersist() {
    if (this.persistAsked) return;
    this.persistAsked = true;
    const storage = navigator.storage;
    if (!storage?.persist) return this.publish({ persisted: null });
    try {
      const persisted = (await storage.persisted?.()) || (await storage.persist());
      this.publish({ persisted });
    } catch {
      this.publish({ persisted: false });
    }
  }

  /** Whether storage is already persistent, without asking (no prompt at start). */
  async checkPersisted() {
    try {
      const persisted = await navigator.storage?.persisted?.();
      this.publish({ persisted: persisted ?? null });
    } catch {
      this.publish({ persisted: null });
    }
  }

  /** A session started (sign-in) or changed: the queue may flow again. */
  sessionChanged() {
    void this.refresh();
    void this.heartbeat();
    void this.sync("all");
  }

  listen() {
    if (this.channel) this.channel.onmessage = () => void this.refresh();
    window.addEventListener("online", () => {
      this.publish({ online: true });
      void this.sync("network");
    });
    window.addEventListener("offline", () => this.publish({ online: false }));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") void this.sync();
    });
    setInterval(() => void this.heartbeat(), HEARTBEAT_INTERVAL_MS);
  }
}

/**
 * One sender across tabs: two open tabs would otherwise upload the same photo twice (harmless, the
 * server replays, but a waste of a weak uplink). The second tab waits its turn and then finds
 * nothing to do. Without the Web Locks API (Safari < 15.4) each tab sends on its own.
 * @template T
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
function exclusive(work) {
  const locks = navigator.locks;
  if (!locks) return work();
  return /** @type {Promise<T>} */ (locks.request("xj-outbox-sync", () => work()));
}

/**
 * The device id lives in both localStorage (read synchronously at login) and the outbox database
 * (next to the photos it signs). The database wins: it is what the photos were captured under.
 * @param {import("./db.js").OutboxDb} db
 */
async function settleDeviceId(db) {
  const stored = await db.getMeta("device_id");
  if (typeof stored === "string" && stored) {
    adoptDeviceId(stored);
    return stored;
  }
  const id = deviceId();
  await db.setMeta("device_id", id);
  return id;
}

/** @type {Promise<OutboxRuntime> | null} */
let started = null;

/** Opens the database and starts syncing; once per page. */
export function startOutbox() {
  started ??= (async () => {
    const db = await openOutboxDb();
    const runtime = new OutboxRuntime(db, await settleDeviceId(db));
    runtime.listen();
    await runtime.refresh();
    await runtime.checkPersisted();
    void runtime.sync();
    return runtime;
  })();
  return started;
}
