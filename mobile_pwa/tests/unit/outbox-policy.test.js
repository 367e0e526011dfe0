// The outbox's rules (src/outbox/policy.js): backoff, what each answer means, which item goes next.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BACKOFF_CAP_MS,
  RETRY_AFTER_MAX_MS,
  backoffDelay,
  classify,
  countsOf,
  etagHandOver,
  retryDelay,
  selectNext,
  supersededBy,
  verdictFor,
} from "../../src/outbox/policy.js";

const NOW = Date.parse("2026-11-23T01:30:00Z");
const at = (/** @type {number} */ ms) => new Date(NOW + ms).toISOString();

/** @returns {any} */
function item(id, { kind = "json", created = 0, ...rest } = {}) {
  return {
    client_id: id,
    kind,
    created_at: at(created),
    attempts: 0,
    last_error: null,
    last_error_at: null,
    next_try_at: null,
    state: "pending",
    user_id: 7,
    ...rest,
  };
}

/** @returns {any} */
function outcome(status, extra = {}) {
  return { status, code: status ? `http_${status}` : "network_error", message: "m", details: {}, body: null, retryAfter: null, replay: false, ...extra };
}

// ---- backoff ---------------------------------------------------------------------------------

test("backoff doubles with each failure", () => {
  const low = [1, 2, 3, 4, 5].map((n) => backoffDelay(n, () => 0));
  const high = [1, 2, 3, 4, 5].map((n) => backoffDelay(n, () => 0.999999));
  assert.deepEqual(low, [1000, 2000, 4000, 8000, 16000]);
  assert.deepEqual(high, [2000, 4000, 8000, 16000, 32000]);
});

test("jitter stays within [half, all] of the step", () => {
  for (let n = 1; n <= 12; n++) {
    const ceiling = Math.min(BACKOFF_CAP_MS, 2000 * 2 ** (n - 1));
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(n);
      assert.ok(delay >= ceiling / 2 && delay <= ceiling, `attempt ${n}: ${delay} outside [${ceiling / 2}, ${ceiling}]`);
    }
  }
});

test("backoff is capped at 5 minutes, however many failures", () => {
  assert.equal(BACKOFF_CAP_MS, 300_000);
  for (const n of [9, 10, 20, 100, 10_000]) {
    assert.ok(backoffDelay(n, () => 0.999999) <= 300_000);
    assert.ok(backoffDelay(n, () => 0) >= 150_000);
  }
});

test("Retry-After is honoured as a floor, never shortened by backoff nor stretched past an hour", () => {
  assert.equal(retryDelay(1, 10, () => 0), 10_000); // server says 10 s; our first step is 1–2 s
  assert.equal(retryDelay(1, null, () => 0), 1000);
  // After many failures the backoff is longer than the server's hint: the longer wins, so an
  // outage answering "Retry-After: 5" does not make every phone re-upload every 5 s.
  assert.ok(retryDelay(10, 5, () => 0) >= 150_000);
  assert.equal(retryDelay(1, 86_400, () => 0), RETRY_AFTER_MAX_MS);
  assert.equal(retryDelay(1, -3, () => 0), 1000);
});

// ---- classification --------------------------------------------------------------------------

test("each answer maps to one action", () => {
  const table = {
    done: [200, 201, 202, 204],
    retry: [0, 408, 425, 429, 500, 502, 503, 504],
    auth: [401],
    conflict: [409, 412],
    permanent: [400, 403, 404, 410, 413, 415, 422],
  };
  for (const [action, statuses] of Object.entries(table)) {
    for (const status of statuses) assert.equal(classify(outcome(status)), action, `HTTP ${status}`);
  }
});

test("an account that must change its password holds its queue instead of failing it", () => {
  const blocked = outcome(403, { code: "password_change_required" });
  assert.equal(classify(blocked), "auth");
  const verdict = verdictFor(item("a1"), blocked, NOW);
  assert.equal(verdict.patch.state, "pending");
  assert.equal(verdict.patch.attempts, undefined); // not the item's fault: no attempt counted
});

test("a photo is done only when the server's sha256 equals ours", () => {
  const photo = item("p1", { kind: "photo", sha256: "ab".repeat(32) });
  const matching = verdictFor(photo, outcome(201, { body: { sha256: "AB".repeat(32) } }), NOW);
  assert.equal(matching.action, "done");

  const replay = verdictFor(photo, outcome(200, { replay: true, body: { sha256: "ab".repeat(32) } }), NOW);
  assert.equal(replay.action, "done");

  const other = verdictFor(photo, outcome(201, { body: { sha256: "cd".repeat(32) } }), NOW);
  assert.equal(other.action, "permanent");
  assert.equal(other.patch.state, "failed_permanent");
  assert.equal(other.patch.last_error?.code, "hash_mismatch");

  const silent = verdictFor(photo, outcome(201, { body: { id: 3 } }), NOW);
  assert.equal(silent.action, "permanent", "no hash in the answer is not proof");
});

test("a failure to retry counts the attempt and sets the next try", () => {
  const v = verdictFor(item("a", { attempts: 2 }), outcome(503, { retryAfter: 30 }), NOW, () => 0);
  assert.equal(v.action, "retry");
  assert.equal(v.patch.state, "pending");
  assert.equal(v.patch.attempts, 3);
  assert.equal(v.patch.next_try_at, at(30_000)); // Retry-After beats the 4 s step
  assert.equal(v.patch.last_error_at, at(0));
});

test("401 keeps the item pending without counting an attempt", () => {
  const v = verdictFor(item("a", { attempts: 1 }), outcome(401), NOW);
  assert.equal(v.action, "auth");
  assert.equal(v.patch.state, "pending");
  assert.equal(v.patch.attempts, undefined);
  assert.equal(v.patch.last_error?.status, 401);
});

test("conflicts and refusals are parked with the server's words", () => {
  const conflict = verdictFor(item("a"), outcome(412), NOW);
  assert.equal(conflict.patch.state, "conflict");
  const refused = verdictFor(
    item("b"),
    outcome(422, { code: "invalid_input", message: "Bad property.", details: { message_zh: "项目无效。" } }),
    NOW,
  );
  assert.equal(refused.patch.state, "failed_permanent");
  assert.deepEqual(refused.patch.last_error, { status: 422, code: "invalid_input", message: "Bad property.", message_zh: "项目无效。" });
});

// ---- ordering --------------------------------------------------------------------------------

test("first in, first out", () => {
  const items = [item("c", { created: 30 }), item("a", { created: 10 }), item("b", { created: 20 })];
  assert.equal(selectNext(items, NOW, 7).item?.client_id, "a");
  const tie = [item("y", { created: 5 }), item("x", { created: 5 })];
  assert.equal(selectNext(tie, NOW, 7).item?.client_id, "x", "same millisecond: stable by id");
});

test("an ordered item waiting out a backoff holds back the ones behind it", () => {
  const items = [item("a", { created: 1, next_try_at: at(60_000) }), item("b", { created: 2 })];
  const next = selectNext(items, NOW, 7);
  assert.equal(next.item, null);
  assert.equal(next.wakeAt, NOW + 60_000);
  assert.equal(selectNext(items, NOW + 60_000, 7).item?.client_id, "a");
});

test("the heartbeat does not wait behind the queue it reports on", () => {
  const items = [item("photo", { kind: "photo", created: 1, next_try_at: at(60_000) }), item("hb", { kind: "heartbeat", created: 2 })];
  assert.equal(selectNext(items, NOW, 7).item?.client_id, "hb");
});

test("parked items and other people's items are stepped over", () => {
  const items = [
    item("refused", { created: 1, state: "failed_permanent" }),
    item("conflict", { created: 2, state: "conflict" }),
    item("theirs", { created: 3, user_id: 99 }),
    item("mine", { created: 4 }),
  ];
  assert.equal(selectNext(items, NOW, 7).item?.client_id, "mine");
  assert.equal(selectNext(items, NOW, 99).item?.client_id, "theirs");
  assert.equal(selectNext(items, NOW, null).item, null, "signed out: nothing of anyone's");
});

test("an action waits for the photo it depends on", () => {
  const photo = item("photo", { kind: "photo", created: 1, next_try_at: at(5_000) });
  const action = item("finding", { created: 2, depends_on: ["photo"] });
  const other = item("other", { created: 3 });
  // The photo is the head and not due: nothing ordered may go.
  assert.equal(selectNext([photo, action, other], NOW, 7).item, null);
  // The photo is parked: its dependant waits, the rest of the queue does not.
  const parked = { ...photo, state: "failed_permanent" };
  assert.equal(selectNext([parked, action, other], NOW, 7).item?.client_id, "other");
  // The photo was acknowledged (it is gone): the action may go.
  assert.equal(selectNext([action, other], NOW, 7).item?.client_id, "finding");
});

test("etagHandOver gives the answer's ETag to the actions queued behind it, and only to them", () => {
  const next = item("arrive", { headers: { "If-Match": '"v1"', "X-Other": "1" }, if_match_from: "accept" });
  const other = item("other", { headers: { "If-Match": '"v1"' } });
  assert.deepEqual(etagHandOver([next, other], "accept", { etag: '"v2"' }), [{ client_id: "arrive", headers: { "If-Match": '"v2"', "X-Other": "1" } }]);
  assert.deepEqual(etagHandOver([next], "accept", { id: 1 }), [], "no ETag in the answer: nothing changes");
  assert.deepEqual(etagHandOver([next], "accept", null), []);
});

test("items in flight are not picked twice", () => {
  assert.equal(selectNext([item("a", { state: "sending" }), item("b", { created: 1 })], NOW, 7).item, null);
});

// ---- counting and coalescing -----------------------------------------------------------------

test("counts leave out the app's own heartbeats", () => {
  const counts = countsOf([
    item("hb", { kind: "heartbeat", created: -99 }),
    item("p", { kind: "photo", created: 5 }),
    item("a", { created: 3, state: "conflict" }),
  ]);
  assert.deepEqual(counts, { total: 2, photos: 1, parked: 1, oldest: at(3) });
  assert.deepEqual(countsOf([]), { total: 0, photos: 0, parked: 0, oldest: null });
});

test("a new heartbeat replaces queued ones but not one on the wire", () => {
  const items = [item("h1", { kind: "heartbeat" }), item("h2", { kind: "heartbeat", state: "sending" }), item("j", {})];
  assert.deepEqual(supersededBy(items, "heartbeat").map((i) => i.client_id), ["h1"]);
  assert.deepEqual(supersededBy(items, "json"), []);
});
