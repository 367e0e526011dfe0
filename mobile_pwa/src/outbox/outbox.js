// The outbox: what a person captured goes into IndexedDB first and leaves only when the server
// has acknowledged it. This module moves items through their states (docs/PWA.md, "Outbox");
// the rules it applies are the pure functions of policy.js, the browser around it (timers,
// `online` events, the UI) is runtime.js. Everything it touches is passed in, so the unit tests
// drive it with fake-indexeddb, a fake server and a fake clock.
import { answerEtag, etagHandOver, kindPolicy, selectNext, supersededBy, verdictFor } from "./policy.js";

/** @typedef {import("../types/outbox").OutboxItem} OutboxItem */
/** @typedef {import("../types/outbox").ActionItem} ActionItem */
/** @typedef {import("../types/outbox").PhotoItem} PhotoItem */
/** @typedef {import("../types/outbox").Outcome} Outcome */
/** @typedef {import("./db.js").OutboxDb} OutboxDb */

/** @typedef {{ token: string, userId: string | number | null }} Auth */
/** @typedef {{ userId: string | number | null, userName?: string | null } | null} Owner */
/**
 * "network": the connection came back, so waits caused by network errors are over.
 * "all": a person asked (Sync now), so every wait is over. Holds for a photo's position stay.
 * @typedef {"network" | "all"} Force
 */
/**
 * How a sync run ended: idle (nothing due; wakeAt says when to look again), offline,
 * signed_out (nothing may be sent without a session), auth (the server refused the session).
 * @typedef {{ sent: number, wakeAt: number | null, stoppedBy: "idle" | "offline" | "signed_out" | "auth" }} SyncReport
 */

/**
 * @typedef {object} Transport
 * @property {(item: ActionItem, token: string) => Promise<Outcome>} sendJson
 * @property {(photo: PhotoItem, bytes: ArrayBuffer, token: string,
 *   options: { onProgress: (fraction: number) => void }) => Promise<Outcome>} uploadPhoto
 */

/**
 * @typedef {object} OutboxDeps
 * @property {OutboxDb} db
 * @property {Transport} transport
 * @property {() => Auth | null} getAuth read at every step: a sign-in or sign-out applies at once
 * @property {() => boolean} [isOnline]
 * @property {() => number} [now]
 * @property {() => number} [random]
 * @property {() => string} [newId] uuid v4
 * @property {<T>(work: () => Promise<T>) => Promise<T>} [exclusive] one sender across tabs
 * @property {(outcome: Outcome, token: string) => void} [onUnauthorized]
 * @property {() => void} [onChange] after any change of the stored items
 * @property {(clientId: string, fraction: number | null) => void} [onProgress] null: finished
 */

const FORCE_RANK = { network: 1, all: 2 };

/** @param {OutboxDeps} deps */
export function createOutbox(deps) {
  const {
    db,
    transport,
    getAuth,
    isOnline = () => true,
    now = Date.now,
    random = Math.random,
    newId = () => crypto.randomUUID(),
    exclusive = (work) => work(),
    onUnauthorized = () => {},
    onChange = () => {},
    onProgress = () => {},
  } = deps;
  const iso = (/** @type {number} */ t) => new Date(t).toISOString();

  /** @type {Promise<SyncReport> | null} */
  let running = null;
  /** @type {{ force: Force | null } | null} a sync asked for while one runs */
  let requested = null;
  // ETags of answers acknowledged by this page, for an action queued with `if_match_from` after
  // the item it follows has already gone (online, the accept is sent before arrive is tapped).
  // Memory is enough: a reload reads the list again, and the list carries the current ETag.
  /** @type {Map<string, string>} */
  const answered = new Map();
  const ANSWERED_KEPT = 50;

  /** @param {Owner} owner */
  function ownerFields(owner) {
    return { user_id: owner?.userId ?? null, user_name: owner?.userName ?? null };
  }

  /**
   * Queues a JSON API call. Coalescing kinds (the heartbeat) replace their older copies.
   * @param {{ kind?: ActionItem["kind"], method?: string, url: string, body?: unknown,
   *   headers?: Record<string, string>, depends_on?: string[], label?: string, client_id?: string,
   *   id_in?: ActionItem["id_in"], if_match_from?: string }} action
   * @param {Owner} [owner] null: any signed-in user may send it
   * @returns {Promise<ActionItem>}
   */
  async function enqueue(action, owner = null) {
    const kind = action.kind ?? "json";
    /** @type {ActionItem} */
    const record = {
      // A caller may name the id in advance: photos taken for a finding carry the finding's
      // client_id as their context before the finding itself is queued.
      client_id: action.client_id ?? newId(),
      kind,
      method: action.method ?? "POST",
      url: action.url,
      body: action.body,
      id_in: action.id_in ?? "body",
      ...(action.headers ? { headers: { ...action.headers } } : {}),
      ...(action.label ? { label: action.label } : {}),
      ...(action.depends_on?.length ? { depends_on: [...action.depends_on] } : {}),
      ...(action.if_match_from ? { if_match_from: action.if_match_from } : {}),
      created_at: iso(now()),
      attempts: 0,
      last_error: null,
      last_error_at: null,
      next_try_at: null,
      state: "pending",
      ...ownerFields(owner),
    };
    const follows = action.if_match_from ?? null;
    const known = follows ? answered.get(follows) : undefined;
    if (known) record.headers = { ...record.headers, "If-Match": known };
    const replaces = supersededBy(await db.items(), kind).map((i) => i.client_id);
    record.seq = await db.addAction(record, replaces);
    // The answer may have come while the record was being stored, too late for both checks.
    const late = follows && !known ? answered.get(follows) : undefined;
    if (late) {
      record.headers = { ...record.headers, "If-Match": late };
      await db.update(record.client_id, { headers: record.headers });
    }
    onChange();
    return record;
  }

  /**
   * Stores a photo (record and bytes in one transaction) before anything else happens to it.
   * `holdMs` keeps it from being sent while its position is still being found (setLocation
   * releases it; if the page dies first, it goes without a position once the hold has passed).
   * @param {Omit<PhotoItem, "client_id" | "kind" | "size" | "created_at" | "attempts" | "last_error" |
   *   "last_error_at" | "next_try_at" | "state" | "progress" | "user_id" | "user_name"> &
   *   { client_id?: string }} photo
   * @param {ArrayBuffer} bytes
   * @param {{ owner?: Owner, holdMs?: number }} [options]
   * @returns {Promise<PhotoItem>}
   */
  async function addPhoto(photo, bytes, { owner = null, holdMs = 0 } = {}) {
    const t = now();
    /** @type {PhotoItem} */
    const record = {
      ...photo,
      client_id: photo.client_id ?? newId(),
      kind: "photo",
      sha256: photo.sha256.toLowerCase(),
      size: bytes.byteLength,
      created_at: iso(t),
      attempts: 0,
      last_error: null,
      last_error_at: null,
      next_try_at: holdMs > 0 ? iso(t + holdMs) : null,
      state: "pending",
      progress: 0,
      ...ownerFields(owner),
    };
    record.seq = await db.addPhoto(record, bytes);
    onChange();
    return record;
  }

  /**
   * The photo's position arrived (or will not): store it and let the photo go.
   * @param {string} clientId
   * @param {{ lat: number, lon: number, accuracy: number | null } | { error: string }} fix
   */
  async function setLocation(clientId, fix) {
    const patch =
      "error" in fix
        ? { location_error: fix.error, next_try_at: null }
        : { lat: fix.lat, lon: fix.lon, accuracy: fix.accuracy, location_error: null, next_try_at: null };
    const updated = await db.update(clientId, /** @type {Partial<PhotoItem>} */ (patch));
    onChange();
    return updated;
  }

  /**
   * Sends what is due, in order, until nothing is. Calls made while a run is going join it (and
   * make it look once more, so nothing enqueued meanwhile waits for the timer).
   * @param {{ force?: Force }} [options]
   * @returns {Promise<SyncReport>}
   */
  function sync({ force } = {}) {
    const previous = requested?.force ?? null;
    const merged = !force ? previous : !previous || FORCE_RANK[force] > FORCE_RANK[previous] ? force : previous;
    requested = { force: merged };
    running ??= drain().finally(() => (running = null));
    return running;
  }

  async function drain() {
    /** @type {SyncReport} */
    let report = { sent: 0, wakeAt: null, stoppedBy: "idle" };
    let sent = 0;
    while (requested) {
      const { force } = requested;
      requested = null;
      report = await exclusive(() => runOnce(force));
      sent += report.sent;
    }
    return { ...report, sent };
  }

  /** @param {Force | null} force @returns {Promise<SyncReport>} */
  async function runOnce(force) {
    await recover();
    if (force) await releaseWaits(force);
    let sent = 0;
    for (;;) {
      if (!isOnline()) return { sent, wakeAt: null, stoppedBy: "offline" };
      const auth = getAuth();
      if (!auth) return { sent, wakeAt: null, stoppedBy: "signed_out" };
      const { item, wakeAt } = selectNext(await db.items(), now(), auth.userId);
      if (!item) return { sent, wakeAt, stoppedBy: "idle" };
      const action = await sendOne(item, auth);
      if (action === "auth") return { sent, wakeAt: null, stoppedBy: "auth" };
      if (action === "done" && kindPolicy(item.kind).visible) sent++;
    }
  }

  /**
   * A record still marked "sending" when this tab holds the lock belongs to a try that never
   * finished (the page was closed or crashed): it is pending again, and the replay is safe
   * because the server recognises the client_id.
   */
  async function recover() {
    const stuck = (await db.items()).filter((i) => i.state === "sending");
    for (const item of stuck) await db.update(item.client_id, { state: "pending", progress: 0 });
    if (stuck.length) onChange();
  }

  /** @param {Force} force */
  async function releaseWaits(force) {
    for (const item of await db.items()) {
      if (item.state !== "pending" || !item.next_try_at || !item.last_error) continue;
      if (force === "network" && item.last_error.status !== 0) continue;
      await db.update(item.client_id, { next_try_at: null });
    }
  }

  /**
   * One try of one item, and what its answer means for it.
   * @param {OutboxItem} item
   * @param {Auth} auth
   */
  async function sendOne(item, auth) {
    await db.update(item.client_id, { state: "sending" });
    onChange();
    /** @type {Outcome} */
    let outcome;
    if (item.kind === "photo") {
      const bytes = await db.bytes(item.client_id);
      if (!bytes) {
        // Cannot happen through this module (record and bytes share their transactions); if the
        // browser lost them anyway, a person must know rather than the record vanish.
        outcome = { status: 422, code: "bytes_missing", message: "The photo's bytes are missing on this device.", details: {}, body: null, retryAfter: null, replay: false };
      } else {
        onProgress(item.client_id, 0);
        outcome = await transport.uploadPhoto(item, bytes, auth.token, {
          onProgress: (fraction) => onProgress(item.client_id, fraction),
        });
      }
    } else {
      outcome = await transport.sendJson(item, auth.token);
    }
    const verdict = verdictFor(item, outcome, now(), random);
    const refused = verdict.action === "conflict" || verdict.action === "permanent";
    const etag = verdict.action === "done" ? answerEtag(outcome.body) : null;
    if (etag) {
      answered.set(item.client_id, etag);
      if (answered.size > ANSWERED_KEPT) answered.delete(answered.keys().next().value ?? "");
      // Before the item goes: a page that dies in between replays it, and the server's answer to
      // the replay carries the same ETag.
      for (const next of etagHandOver(await db.items(), item.client_id, outcome.body)) await db.update(next.client_id, { headers: next.headers });
    }
    if (verdict.action === "done" || (refused && kindPolicy(item.kind).dropWhenRefused)) {
      await db.remove(item.client_id);
    } else {
      await db.update(item.client_id, { ...verdict.patch, ...(item.kind === "photo" ? { progress: 0 } : {}) });
    }
    onProgress(item.client_id, null);
    onChange();
    if (verdict.action === "auth") onUnauthorized(outcome, auth.token);
    return verdict.action;
  }

  /**
   * A person's "try again" on a refused item (e.g. after an administrator fixed an assignment).
   * Conflicts are not retried: the same request would meet the same newer record.
   * @param {string} clientId
   */
  async function retry(clientId) {
    const item = await db.item(clientId);
    if (item?.state !== "failed_permanent") return false;
    await db.update(clientId, { state: "pending", next_try_at: null });
    onChange();
    return true;
  }

  /**
   * Deletes an item a person has decided to give up, after the screen's explicit confirmation.
   * Only items waiting for a person: anything still on its way is the outbox's to deliver.
   * @param {string} clientId
   */
  async function discard(clientId) {
    const item = await db.item(clientId);
    if (!item || (item.state !== "conflict" && item.state !== "failed_permanent")) return false;
    await db.remove(clientId);
    onChange();
    return true;
  }

  return {
    enqueue,
    addPhoto,
    setLocation,
    sync,
    retry,
    discard,
    items: () => db.items(),
    bytes: (/** @type {string} */ id) => db.bytes(id),
    get syncing() {
      return running !== null;
    },
  };
}

/** @typedef {ReturnType<typeof createOutbox>} Outbox */
