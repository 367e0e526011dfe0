// Pure rules behind the work-order, supervisor and renovation screens: what step an order is at,
// the If-Match an offline step must carry, how overdue orders are ordered, what counts as late, and whether an inspection
// or a return visit may be queued. No DOM, no fetch: unit-tested in node.

/** @typedef {import("../../types/contract").WorkOrder} WorkOrder */
/** @typedef {import("../../types/contract").BoardEntry} BoardEntry */
/** @typedef {"accept" | "arrive" | "complete" | "resume"} EngineerStep the step forward */
/** @typedef {"decline" | "return" | "pause"} SetbackStep a step back, always with a reason */

/** The engineer's buttons, in the order shown: the forward step, then the steps back. */
const FORWARD = /** @type {const} */ (["accept", "arrive", "resume", "complete"]);
const SETBACKS = /** @type {const} */ (["decline", "pause", "return"]);

/**
 * Offline chaining — the only copy of the work-order rules on the phone. What the engineer may
 * do comes from the server (`allowed_events` of the order as listed); but a step queued offline
 * has no answer yet, so the phone must know the state it leads to and what may follow there, to
 * show it at once and let the next step queue behind it. Once the server answers, the order's
 * `allowed_events` rule again. (Server: xunjian/workorders/orders.py, the ORDER machine.)
 * @type {Record<EngineerStep | SetbackStep, { state: string, then: readonly (EngineerStep | SetbackStep)[] }>}
 */
const OFFLINE_CHAIN = {
  accept: { state: "accepted", then: ["arrive", "return"] },
  arrive: { state: "on_site", then: ["complete", "pause", "return"] },
  resume: { state: "on_site", then: ["complete", "pause", "return"] },
  pause: { state: "paused", then: ["resume", "return"] },
  complete: { state: "done", then: [] },
  decline: { state: "new", then: [] },
  return: { state: "new", then: [] },
};

/**
 * The engineer's choices among an order's allowed events: the next step (at most one) and the
 * steps back, each needing a reason (decline an order not yet accepted, hand back one accepted,
 * pause work on site). Events that are not the engineer's (assign, verify, close …) are not shown.
 * @param {readonly string[] | null | undefined} events the order's `allowed_events`
 * @returns {{ next: EngineerStep | null, setbacks: SetbackStep[] }}
 */
export function engineerChoices(events) {
  const allowed = new Set(events ?? []);
  return {
    next: FORWARD.find((s) => allowed.has(s)) ?? null,
    setbacks: SETBACKS.filter((s) => allowed.has(s)),
  };
}

/**
 * Where a queued step leaves the order until the server answers: its state and the events that
 * may follow (see OFFLINE_CHAIN).
 * @param {EngineerStep | SetbackStep} step
 * @returns {{ state: string, then: readonly (EngineerStep | SetbackStep)[] }}
 */
export function afterStep(step) {
  return OFFLINE_CHAIN[step];
}

/**
 * The If-Match part of a queued step. Transitions carry the order's ETag: the listed `etag` (the
 * single GET's header) for the first step queued on this phone; a step queued behind another
 * waits for it (`depends_on`) and takes the ETag the server answers to it (`if_match_from`),
 * since only the server knows the version a transition makes. The listed ETag stays as the
 * fallback: if the earlier step is discarded, a stale one comes back 412, a visible conflict.
 * A completion report is a new record the server keeps even after a reassignment: no If-Match.
 * @param {EngineerStep | SetbackStep} step
 * @param {{ etag?: string }} order
 * @param {string | null} previous client_id of the transition queued before this one, if any
 * @returns {{ headers?: Record<string, string>, depends_on?: string[], if_match_from?: string }}
 */
export function stepIfMatch(step, order, previous) {
  if (step === "complete") return {};
  return {
    ...(order.etag ? { headers: { "If-Match": order.etag } } : {}),
    ...(previous ? { depends_on: [previous], if_match_from: previous } : {}),
  };
}

/**
 * Overdue orders (the server's `overdue=true` list) most overdue first: the earliest deadline
 * that was missed, response or completion.
 * @param {WorkOrder[]} orders
 */
export function byOverdue(orders) {
  const due = (/** @type {WorkOrder} */ o) =>
    Math.min(
      o.completion_overdue && o.completion_due_at ? Date.parse(o.completion_due_at) : Infinity,
      o.response_overdue && o.response_due_at ? Date.parse(o.response_due_at) : Infinity,
    );
  return [...orders].sort((a, b) => due(a) - due(b) || (a.id ?? 0) - (b.id ?? 0));
}

/**
 * Requests with a work order waiting in the outbox (a queued `POST /workorders` naming the
 * request): the desk must not dispatch them twice before the server lists the order.
 * @param {import("../../types/outbox").OutboxItem[]} items
 * @returns {Set<number>}
 */
export function queuedDispatches(items) {
  /** @type {Set<number>} */
  const ids = new Set();
  for (const i of items) {
    if (i.kind !== "json" || i.method !== "POST" || i.url !== "/workorders") continue;
    const body = /** @type {{ request_id?: unknown } | null} */ (i.body);
    if (typeof body?.request_id === "number") ids.add(body.request_id);
  }
  return ids;
}

/**
 * The day board's late and missed windows: missed first (nothing can be done any more), then late.
 * @param {BoardEntry[]} windows
 */
export function lateOrMissed(windows) {
  const rank = (/** @type {BoardEntry} */ w) => (w.status === "missed" ? 0 : 1);
  return windows
    .filter((w) => w.status === "missed" || w.status === "late" || w.late_start)
    .sort((a, b) => rank(a) - rank(b) || String(a.window_start).localeCompare(String(b.window_start)));
}

/** @typedef {"ok" | "violation" | "not_applicable"} ItemResult */
/** @typedef {{ result: ItemResult, note: string, photos: string[] }} Answer */

/**
 * The checklist codes whose answer cannot be sent: a violation needs a note and a photo (the
 * server refuses it otherwise, and a refused inspection would sit parked in the outbox).
 * @param {Record<string, Answer>} answers
 * @returns {{ code: string, missing: ("note" | "photo")[] }[]}
 */
export function inspectionProblems(answers) {
  return Object.entries(answers)
    .filter(([, a]) => a.result === "violation")
    .map(([code, a]) => ({
      code,
      missing: /** @type {("note" | "photo")[]} */ ([...(a.note.trim() ? [] : ["note"]), ...(a.photos.length ? [] : ["photo"])]),
    }))
    .filter((p) => p.missing.length > 0);
}

/**
 * The inspection's `results`: every answer that is not the default ("ok" goes as `rest`).
 * @param {Record<string, Answer>} answers
 */
export function inspectionResults(answers) {
  return Object.entries(answers)
    .filter(([, a]) => a.result !== "ok")
    .map(([code, a]) =>
      a.result === "violation"
        ? { code, result: a.result, note: a.note.trim(), photo_client_ids: [...a.photos] }
        : { code, result: a.result, ...(a.note.trim() ? { note: a.note.trim() } : {}) },
    );
}

/** @typedef {{ speed: number, attitude: number, quality: number, result: number }} Ratings */

/**
 * What keeps a return visit from being queued: a missing rating (1–5), or an on-site visit
 * without the owner's signature.
 * @param {Partial<Ratings>} ratings
 * @param {"phone" | "on_site"} method
 * @param {string | null} signature
 * @returns {("ratings" | "signature")[]}
 */
export function visitProblems(ratings, method, signature) {
  /** @type {("ratings" | "signature")[]} */
  const problems = [];
  const keys = /** @type {(keyof Ratings)[]} */ (["speed", "attitude", "quality", "result"]);
  if (keys.some((k) => !Number.isInteger(ratings[k]) || (ratings[k] ?? 0) < 1 || (ratings[k] ?? 0) > 5)) problems.push("ratings");
  if (method === "on_site" && !signature) problems.push("signature");
  return problems;
}

const QUEUED_STEP = /^\/workorders\/(\d+)\/(accept|arrive|resume|decline|return|pause|completions)$/;

/**
 * The last step of each order still waiting in the outbox (FIFO order), so a list read from the
 * server after a reload shows the state the engineer already moved the order to, and the next step
 * is chained behind the queued one (its If-Match comes from that step's answer).
 * @param {import("../../types/outbox").OutboxItem[]} items
 * @returns {Map<number, { step: EngineerStep | SetbackStep, clientId: string, state: string }>}
 */
export function queuedSteps(items) {
  /** @type {Map<number, { step: EngineerStep | SetbackStep, clientId: string, state: string }>} */
  const steps = new Map();
  for (const i of items) {
    if (i.kind !== "json" || i.method !== "POST") continue;
    const match = QUEUED_STEP.exec(i.url);
    if (!match) continue;
    const name = match[2] === "completions" ? "complete" : match[2];
    const step = /** @type {EngineerStep | SetbackStep} */ (name);
    steps.set(Number(match[1]), { step, clientId: i.client_id, state: afterStep(step).state });
  }
  return steps;
}
