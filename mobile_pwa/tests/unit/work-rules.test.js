// The pure rules of the engineer, front desk, supervisor and renovation screens.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  afterStep,
  engineerChoices,
  inspectionProblems,
  inspectionResults,
  lateOrMissed,
  byOverdue,
  queuedDispatches,
  queuedSteps,
  stepIfMatch,
  visitProblems,
} from "../../src/screens/roles/work-rules.js";

test("stepIfMatch: the listed ETag first, then the ETag the server answers to the step before", () => {
  const order = { id: 12, etag: '"work_orders-12-v3"' };
  assert.deepEqual(stepIfMatch("accept", order, null), { headers: { "If-Match": '"work_orders-12-v3"' } });
  assert.deepEqual(stepIfMatch("arrive", order, "c-accept"), {
    headers: { "If-Match": '"work_orders-12-v3"' }, // replaced when c-accept is acknowledged
    depends_on: ["c-accept"],
    if_match_from: "c-accept",
  });
  assert.deepEqual(stepIfMatch("complete", order, "c-arrive"), {}); // a completion report is a new record
  assert.deepEqual(stepIfMatch("accept", { id: 12 }, null), {}); // no ETag listed: the server's 428 says so
});

test("the engineer's choices come from the order's allowed_events, not a copy of the machine", () => {
  // As the server lists them (xunjian/workorders/orders.py): the desk's events are not shown.
  assert.deepEqual(engineerChoices(["assign", "accept", "decline", "close_unresolvable"]), { next: "accept", setbacks: ["decline"] });
  assert.deepEqual(engineerChoices(["arrive", "return", "adopt_completion"]), { next: "arrive", setbacks: ["return"] });
  assert.deepEqual(engineerChoices(["complete", "pause", "return"]), { next: "complete", setbacks: ["pause", "return"] });
  assert.deepEqual(engineerChoices(["resume", "return"]), { next: "resume", setbacks: ["return"] });
  assert.deepEqual(engineerChoices(["verify", "fail_verification"]), { next: null, setbacks: [] });
  assert.deepEqual(engineerChoices(undefined), { next: null, setbacks: [] });
  // A server that allowed something new (or no longer allowed a step) is followed as it is.
  assert.deepEqual(engineerChoices(["return"]), { next: null, setbacks: ["return"] });
});

test("offline chaining: a queued step's state and what may follow it before the server answers", () => {
  assert.deepEqual(afterStep("accept"), { state: "accepted", then: ["arrive", "return"] });
  assert.deepEqual(engineerChoices(afterStep("accept").then), { next: "arrive", setbacks: ["return"] });
  assert.deepEqual(engineerChoices(afterStep("arrive").then), { next: "complete", setbacks: ["pause", "return"] });
  assert.deepEqual(engineerChoices(afterStep("pause").then), { next: "resume", setbacks: ["return"] });
  assert.deepEqual(engineerChoices(afterStep("resume").then), engineerChoices(afterStep("arrive").then));
  for (const s of /** @type {const} */ (["complete", "decline", "return"])) assert.deepEqual(afterStep(s).then, []);
  assert.deepEqual(["decline", "return", "pause", "complete"].map((s) => afterStep(/** @type {any} */ (s)).state), ["new", "new", "paused", "done"]);
});

test("byOverdue puts the earliest missed deadline first", () => {
  const orders = [
    { id: 2, completion_overdue: true, completion_due_at: "2026-11-22T10:00:00+08:00" },
    { id: 3, response_overdue: true, response_due_at: "2026-11-21T09:00:00+08:00" },
  ];
  assert.deepEqual(byOverdue(/** @type {any} */ (orders)).map((o) => o.id), [3, 2]);
});

test("lateOrMissed lists missed runs before late ones, then by window", () => {
  const windows = [
    { route_id: 1, status: "done", window_start: "08:00" },
    { route_id: 2, status: "late", window_start: "09:00" },
    { route_id: 3, status: "missed", window_start: "10:00" },
    { route_id: 4, status: "done", late_start: true, window_start: "07:00" },
    { route_id: 5, status: "upcoming", window_start: "20:00" },
  ];
  assert.deepEqual(lateOrMissed(/** @type {any} */ (windows)).map((w) => w.route_id), [3, 4, 2]);
});

test("a violation needs a note and a photo; OK and N/A need nothing", () => {
  const answers = {
    R01: { result: /** @type {const} */ ("violation"), note: " ", photos: [] },
    R02: { result: /** @type {const} */ ("violation"), note: "电线裸露", photos: ["p1"] },
    R03: { result: /** @type {const} */ ("not_applicable"), note: "", photos: [] },
    R04: { result: /** @type {const} */ ("violation"), note: "拆改承重墙", photos: [] },
  };
  assert.deepEqual(inspectionProblems(answers), [
    { code: "R01", missing: ["note", "photo"] },
    { code: "R04", missing: ["photo"] },
  ]);
});

test("inspectionResults sends only what differs from the default OK", () => {
  const answers = {
    R01: { result: /** @type {const} */ ("ok"), note: "", photos: [] },
    R02: { result: /** @type {const} */ ("violation"), note: " 电线裸露 ", photos: ["p1", "p2"] },
    R03: { result: /** @type {const} */ ("not_applicable"), note: "", photos: [] },
  };
  assert.deepEqual(inspectionResults(answers), [
    { code: "R02", result: "violation", note: "电线裸露", photo_client_ids: ["p1", "p2"] },
    { code: "R03", result: "not_applicable" },
  ]);
});

test("a return visit needs four ratings of 1–5, and on site a signature", () => {
  const all = { speed: 5, attitude: 4, quality: 3, result: 5 };
  assert.deepEqual(visitProblems(all, "phone", null), []);
  assert.deepEqual(visitProblems({ ...all, quality: 0 }, "phone", null), ["ratings"]);
  assert.deepEqual(visitProblems({ speed: 5 }, "on_site", null), ["ratings", "signature"]);
  assert.deepEqual(visitProblems(all, "on_site", "data:image/png;base64,xx"), []);
});

test("queuedDispatches names the requests whose work order waits in the outbox", () => {
  const base = { kind: "json", method: "POST", state: "pending" };
  const items = [
    { ...base, url: "/workorders", body: { request_id: 4, category: "plumbing" } },
    { ...base, url: "/workorders", body: { category: "other" } }, // an order with no request
    { ...base, url: "/requests", body: { request_id: 9 } },
    { ...base, url: "/workorders/3/assign", body: { request_id: 5 } },
  ];
  assert.deepEqual([...queuedDispatches(/** @type {any} */ (items))], [4]);
});

test("the manager's panel: a refusal needs a reason, rates read as percentages, this month", async () => {
  const { decisionProblem, percent, thisMonth } = await import("../../src/screens/roles/manager.js");
  assert.equal(decisionProblem("rejected", "  "), "reason");
  assert.equal(decisionProblem("rejected", "押金扣款依据不足"), null);
  assert.equal(decisionProblem("approved", ""), null);
  assert.equal(percent(0.9825), "98.3%");
  assert.equal(percent(null), "—");
  assert.equal(thisMonth(new Date(2026, 0, 5)), "2026-01");
});

test("steps still queued on the phone: the last one per order, with the state it leads to", () => {
  const action = (client_id, url, extra = {}) => ({ kind: "json", method: "POST", url, client_id, state: "pending", ...extra });
  const steps = queuedSteps([
    action("a1", "/workorders/7/accept"),
    action("a2", "/workorders/7/arrive"),
    action("b1", "/workorders/8/decline"),
    action("c1", "/workorders/9/completions"),
    action("x1", "/workorders/10/verify"), // the desk's, not an engineer's step
    action("x2", "/requests"),
    { kind: "photo", client_id: "p1", url: "/workorders/11/accept" },
  ]);
  assert.deepEqual([...steps.keys()], [7, 8, 9]);
  assert.deepEqual(steps.get(7), { step: "arrive", clientId: "a2", state: "on_site" });
  assert.deepEqual(steps.get(8), { step: "decline", clientId: "b1", state: "new" });
  assert.deepEqual(steps.get(9), { step: "complete", clientId: "c1", state: "done" });
});
