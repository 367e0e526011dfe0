// The outbox's rules as pure functions over plain records: what to send next, how long to wait
// after a failure, and what an answer from the server means for the item. No IndexedDB, no
// network, no clock of their own (`now` and `random` are passed in), so tests/unit/outbox-policy
// can pin every rule down. docs/PWA.md ("Outbox") describes the state machine they implement.

/** @typedef {import("../types/outbox").OutboxItem} OutboxItem */
/** @typedef {import("../types/outbox").ItemState} ItemState */
/** @typedef {import("../types/outbox").Outcome} Outcome */
/** @typedef {import("../types/outbox").Verdict} Verdict */
/** @typedef {import("../types/outbox").KindPolicy} KindPolicy */

// First retry after 1–2 s, then doubling: a flaky uplink is retried quickly, a long outage costs
// a request every 2.5–5 min. The cap is what the house rules promise (at most 5 minutes).
export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 5 * 60_000;
// Retry-After is a floor, but a proxy's "Retry-After: 86400" must not park evidence for a day.
export const RETRY_AFTER_MAX_MS = 60 * 60_000;

/**
 * What differs between kinds of queued item. Anything not listed behaves like "json": ordered,
 * visible, kept until a person decides. A heartbeat is telemetry: only the newest matters, it must
 * not wait behind a queue it reports on, and a refused one is replaced by the next, not shown.
 * @type {Record<string, KindPolicy>}
 */
export const KINDS = {
  photo: { ordered: true, visible: true, coalesce: false, dropWhenRefused: false },
  json: { ordered: true, visible: true, coalesce: false, dropWhenRefused: false },
  heartbeat: { ordered: false, visible: false, coalesce: true, dropWhenRefused: true },
};

/** @param {string} kind @returns {KindPolicy} */
export function kindPolicy(kind) {
  return KINDS[kind] ?? KINDS.json;
}

/** Items waiting for a person (they are never retried on their own). @param {OutboxItem} item */
export function isParked(item) {
  return item.state === "conflict" || item.state === "failed_permanent";
}

/**
 * Exponential backoff with "equal jitter": the n-th consecutive failure waits between half and
 * all of min(cap, base·2^(n−1)). Half is fixed so the doubling stays visible to a person reading
 * "next try in…"; the random half spreads a building's phones apart after a shared outage.
 * @param {number} attempts failures so far, ≥ 1
 * @param {() => number} [random] in [0, 1)
 */
export function backoffDelay(attempts, random = Math.random) {
  const n = Math.max(1, Math.floor(attempts));
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(n - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * How long to wait before the next try. The server's Retry-After is honoured as a floor, not
 * taken as it is: a storage outage answering "Retry-After: 5" for an hour would otherwise have
 * every phone re-send its photos every 5 s, and each 503 costs the whole upload.
 * @param {number} attempts failures so far, including this one
 * @param {number | null} retryAfterSeconds
 * @param {() => number} [random]
 */
export function retryDelay(attempts, retryAfterSeconds, random = Math.random) {
  const backoff = backoffDelay(attempts, random);
  if (retryAfterSeconds == null || !Number.isFinite(retryAfterSeconds)) return backoff;
  const floor = Math.min(RETRY_AFTER_MAX_MS, Math.max(0, retryAfterSeconds) * 1000);
  return Math.max(backoff, floor);
}

/**
 * What an answer means. The table is in docs/PWA.md; the principle: only answers that can change
 * by waiting are retried; an answer about the record itself waits for a person; nothing is
 * dropped without the server having acknowledged it.
 * @param {Outcome} outcome status 0 = no answer (network error, timeout, aborted)
 * @returns {Verdict["action"]}
 */
export function classify(outcome) {
  const { status } = outcome;
  if (status >= 200 && status < 300) return "done";
  if (status === 0) return "retry";
  if (status === 401) return "auth";
  // The account must set a new password first: nothing wrong with the item, it waits like a 401.
  if (status === 403 && outcome.code === "password_change_required") return "auth";
  if (status === 409 || status === 412) return "conflict";
  // Timeouts, "too early", throttling: the same request can succeed later.
  if (status === 408 || status === 425 || status === 429) return "retry";
  if (status >= 500) return "retry"; // 503 = storage outage; other 5xx are bugs, maybe transient
  // 400, 403, 404, 413, 415, 422 and any other 4xx: resending the same bytes gets the same answer.
  return "permanent";
}

/**
 * The decision for one finished try of `item`: its next state and the fields to store.
 * @param {OutboxItem} item
 * @param {Outcome} outcome
 * @param {number} now
 * @param {() => number} [random]
 * @returns {Verdict}
 */
export function verdictFor(item, outcome, now, random = Math.random) {
  const action = classify(outcome);
  const error = errorOf(outcome);
  const at = new Date(now).toISOString();
  if (action === "done") {
    // A photo is gone from the phone only when the server proves it holds the same bytes.
    if (item.kind === "photo") {
      const body = /** @type {{ sha256?: unknown } | null} */ (outcome.body);
      const theirs = typeof body?.sha256 === "string" ? body.sha256.toLowerCase() : null;
      if (theirs !== item.sha256) {
        return {
          action: "permanent",
          patch: {
            state: "failed_permanent",
            last_error: {
              status: outcome.status,
              code: "hash_mismatch",
              message: `The server holds a different file (sha256 ${theirs ?? "missing"}).`,
            },
            last_error_at: at,
          },
        };
      }
    }
    return { action: "done", patch: {} };
  }
  if (action === "auth") {
    // Not the item's fault: no attempt is counted, and it goes first again after sign-in.
    return { action, patch: { state: "pending", last_error: error, last_error_at: at } };
  }
  if (action === "retry") {
    const attempts = item.attempts + 1;
    const delay = retryDelay(attempts, outcome.retryAfter, random);
    return {
      action,
      patch: {
        state: "pending",
        attempts,
        last_error: error,
        last_error_at: at,
        next_try_at: new Date(now + delay).toISOString(),
      },
    };
  }
  return {
    action,
    patch: {
      state: action === "conflict" ? "conflict" : "failed_permanent",
      attempts: item.attempts + 1,
      last_error: error,
      last_error_at: at,
    },
  };
}

/** @param {Outcome} outcome @returns {import("../types/outbox").StoredError} */
function errorOf(outcome) {
  const zh = outcome.details?.message_zh;
  return {
    status: outcome.status,
    code: outcome.code,
    message: outcome.message,
    ...(typeof zh === "string" ? { message_zh: zh } : {}),
  };
}

/**
 * First in, first out: by the queue's own counter (seq), which never ties; by creation time and
 * then id for records without one.
 * @param {OutboxItem} a
 * @param {OutboxItem} b
 */
export function compareItems(a, b) {
  if (a.seq !== undefined && b.seq !== undefined && a.seq !== b.seq) return a.seq - b.seq;
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.client_id < b.client_id ? -1 : a.client_id > b.client_id ? 1 : 0;
}

/**
 * @param {OutboxItem} item
 * @param {string | number | null} owner the signed-in user's id
 */
export function belongsTo(item, owner) {
  // Evidence records who took it; sending it under another person's token would sign it with
  // the wrong name, so a shared phone keeps it until its owner signs in again.
  return item.user_id == null || (owner != null && String(item.user_id) === String(owner));
}

/**
 * Why an item is not sent right now, or null when it could be. Dependencies are other outbox
 * items (an action naming a photo by client_id): present in the outbox = not yet acknowledged.
 * @param {OutboxItem} item
 * @param {ReadonlySet<string>} present client_ids still in the outbox
 * @param {string | number | null} owner
 * @returns {"parked" | "sending" | "other_user" | "waiting_for_dependency" | null}
 */
export function holdReason(item, present, owner) {
  if (isParked(item)) return "parked";
  if (item.state === "sending") return "sending";
  if (!belongsTo(item, owner)) return "other_user";
  if ((item.depends_on ?? []).some((id) => present.has(id))) return "waiting_for_dependency";
  return null;
}

/**
 * The next item to send, or when to look again.
 * Ordered items go strictly first-in first-out: only the oldest sendable one may go, and if it is
 * waiting out a backoff, everything ordered behind it waits too (a later action may depend on it
 * in ways the queue cannot see, and an outage that failed it would fail the rest). Unordered kinds
 * (the heartbeat) go whenever they are due. Parked items, other users' items and items waiting
 * for a dependency are stepped over, so one refused photo never blocks the whole shift.
 * @param {readonly OutboxItem[]} items
 * @param {number} now
 * @param {string | number | null} owner
 * @returns {{ item: OutboxItem | null, wakeAt: number | null }}
 */
export function selectNext(items, now, owner) {
  const present = new Set(items.map((i) => i.client_id));
  const sorted = [...items].sort(compareItems);
  let headSeen = false;
  /** @type {number | null} */
  let wakeAt = null;
  for (const item of sorted) {
    const ordered = kindPolicy(item.kind).ordered;
    const hold = holdReason(item, present, owner);
    // One in flight is still the head: what follows waits for its answer.
    if (hold === "sending" && ordered && belongsTo(item, owner)) headSeen = true;
    if (hold) continue;
    if (ordered && headSeen) continue;
    if (ordered) headSeen = true;
    const due = item.next_try_at ? Date.parse(item.next_try_at) : now;
    if (due <= now) return { item, wakeAt: null };
    wakeAt = wakeAt === null ? due : Math.min(wakeAt, due);
  }
  return { item: null, wakeAt };
}

/**
 * Counts for the badge and the heartbeat. Only what a person captured counts: heartbeats are
 * the app's own chatter.
 * @param {readonly OutboxItem[]} items
 */
export function countsOf(items) {
  const visible = items.filter((i) => kindPolicy(i.kind).visible);
  const oldest = visible.reduce(
    (min, i) => (min === null || i.created_at < min ? i.created_at : min),
    /** @type {string | null} */ (null),
  );
  return {
    total: visible.length,
    photos: visible.filter((i) => i.kind === "photo").length,
    parked: visible.filter(isParked).length,
    oldest,
  };
}

/**
 * Coalescing: the records a new item of this kind replaces (older ones of the same kind that are
 * not on the wire right now; one in flight finishes, then the newer one follows).
 * @param {readonly OutboxItem[]} items
 * @param {string} kind
 */
export function supersededBy(items, kind) {
  if (!kindPolicy(kind).coalesce) return [];
  return items.filter((i) => i.kind === kind && i.state !== "sending");
}

/**
 * The ETag an acknowledged answer carries in its body (work-order transitions answer with the
 * order and its `etag`), or null.
 * @param {unknown} body
 */
export function answerEtag(body) {
  return body && typeof body === "object" && "etag" in body && typeof body.etag === "string" ? body.etag : null;
}

/**
 * The queued actions whose If-Match follows `ackedId`'s answer (`if_match_from`), with their new
 * headers: the answer's ETag. No ETag in the answer: they keep the one they were queued with, and
 * a stale one comes back 412 — a conflict a person sees, never an overwrite.
 * @param {OutboxItem[]} items
 * @param {string} ackedId
 * @param {unknown} body the acknowledged answer
 * @returns {{ client_id: string, headers: Record<string, string> }[]}
 */
export function etagHandOver(items, ackedId, body) {
  const etag = answerEtag(body);
  if (!etag) return [];
  return items.flatMap((i) =>
    i.kind !== "photo" && i.if_match_from === ackedId ? [{ client_id: i.client_id, headers: { ...(i.headers ?? {}), "If-Match": etag } }] : [],
  );
}
