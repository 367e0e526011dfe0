// Pure rules behind the work-order, supervisor and renovation screens: what step an order is at,
// the ETag an offline step must carry, what counts as overdue or late, and whether an inspection
// or a return visit may be queued. No DOM, no fetch: unit-tested in node.

/** @typedef {import("../../types/contract").WorkOrder} WorkOrder */
/** @typedef {import("../../types/contract").BoardEntry} BoardEntry */
/** @typedef {"accept" | "arrive" | "complete" | "resume"} EngineerStep */

/**
 * The server's ETag of a work order (`"work_orders-<id>-v<version>"`, web/conditional.py), from
 * the listed version. `ahead` counts steps already queued on this phone: each accepted transition
 * adds one to the row's version, so an "arrive" queued behind an offline "accept" carries v+1.
 * If the guess is wrong the server answers 412 and the outbox shows a conflict, never overwrites.
 * @param {{ id?: number, version?: number }} order
 * @param {number} [ahead]
 */
export function orderEtag(order, ahead = 0) {
  return `"work_orders-${order.id}-v${(order.version ?? 1) + ahead}"`;
}

/** @type {Record<string, EngineerStep>} */
const NEXT = { assigned: "accept", rework: "accept", accepted: "arrive", on_site: "complete", paused: "resume" };
/** @type {Record<EngineerStep, string>} */
const AFTER = { accept: "accepted", arrive: "on_site", complete: "done", resume: "on_site" };

/**
 * The engineer's next step for an order in `state`, or null when it is not theirs to move.
 * @param {string | null | undefined} state
 * @returns {EngineerStep | null}
 */
export function engineerStep(state) {
  return (state && NEXT[state]) || null;
}

/**
 * The state an order reaches once `step` is acknowledged (shown at once, while it is queued).
 * @param {EngineerStep} step
 */
export function stateAfter(step) {
  return AFTER[step];
}

/**
 * Whether a step sends If-Match (transitions do; a completion report is a new record the server
 * keeps even after a reassignment, so it carries none).
 * @param {EngineerStep} step
 */
export function stepNeedsEtag(step) {
  return step !== "complete";
}

/**
 * Open orders past their response or completion deadline, most overdue (earliest deadline) first.
 * @param {WorkOrder[]} orders
 */
export function overdueOrders(orders) {
  const due = (/** @type {WorkOrder} */ o) =>
    Math.min(
      o.completion_overdue && o.completion_due_at ? Date.parse(o.completion_due_at) : Infinity,
      o.response_overdue && o.response_due_at ? Date.parse(o.response_due_at) : Infinity,
    );
  return orders.filter((o) => o.completion_overdue || o.response_overdue).sort((a, b) => due(a) - due(b) || (a.id ?? 0) - (b.id ?? 0));
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
