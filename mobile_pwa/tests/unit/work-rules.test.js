// The pure rules of the engineer, front desk, supervisor and renovation screens.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  engineerStep,
  inspectionProblems,
  inspectionResults,
  lateOrMissed,
  orderEtag,
  overdueOrders,
  stateAfter,
  stepNeedsEtag,
  visitProblems,
} from "../../src/screens/roles/work-rules.js";

test("orderEtag is the server's ETag, one version on per step already queued", () => {
  assert.equal(orderEtag({ id: 12, version: 3 }), '"work_orders-12-v3"');
  assert.equal(orderEtag({ id: 12, version: 3 }, 1), '"work_orders-12-v4"');
});

test("the engineer's steps follow the order's state machine", () => {
  assert.equal(engineerStep("assigned"), "accept");
  assert.equal(engineerStep("rework"), "accept");
  assert.equal(engineerStep("accepted"), "arrive");
  assert.equal(engineerStep("on_site"), "complete");
  assert.equal(engineerStep("paused"), "resume");
  for (const state of ["new", "done", "verified", "closed", undefined]) assert.equal(engineerStep(state), null);
  assert.deepEqual(["accept", "arrive", "complete", "resume"].map((s) => stateAfter(/** @type {any} */ (s))), ["accepted", "on_site", "done", "on_site"]);
  assert.equal(stepNeedsEtag("accept"), true);
  assert.equal(stepNeedsEtag("complete"), false); // a completion report is a new record
});

test("overdueOrders keeps late ones, earliest missed deadline first", () => {
  const orders = [
    { id: 1, completion_overdue: false, response_overdue: false },
    { id: 2, completion_overdue: true, completion_due_at: "2026-11-22T10:00:00+08:00" },
    { id: 3, response_overdue: true, response_due_at: "2026-11-21T09:00:00+08:00" },
  ];
  assert.deepEqual(overdueOrders(/** @type {any} */ (orders)).map((o) => o.id), [3, 2]);
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
