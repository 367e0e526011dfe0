// The pure rules of the night-duty screens (spot check, handover) and the notice acknowledgement.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ackBody,
  ackProblems,
  etagOf,
  handoverBody,
  handoverProblems,
  handoverStep,
  spotCheckBody,
  spotCheckProblems,
} from "../../src/screens/roles/duty-rules.js";

const PNG = "data:image/png;base64,iVBORw0KGgo=";

/** @returns {import("../../src/screens/roles/duty-rules.js").SpotCheckForm} */
const spot = (change = {}) => ({
  post: "1 号岗",
  guardBy: "account",
  guard: "7",
  status: "present_alert",
  remarks: "",
  photos: [],
  checkerSignature: PNG,
  guardSignature: PNG,
  ...change,
});

test("a spot check needs a post, a guard, a status and both signatures", () => {
  assert.deepEqual(spotCheckProblems(spot()), []);
  assert.deepEqual(
    spotCheckProblems(spot({ post: " ", guard: "", status: null, checkerSignature: null, guardSignature: null })),
    ["post", "guard", "status", "checkerSignature", "guardSignature"],
  );
  assert.deepEqual(spotCheckProblems(spot({ guard: "abc" })), ["guard"]); // an account is a number
  assert.deepEqual(spotCheckProblems(spot({ guardBy: "name", guard: "孙杰" })), []);
  assert.deepEqual(spotCheckProblems(spot({ status: "other" })), ["remarks"]);
  // An absent guard cannot sign; the checker still does.
  assert.deepEqual(spotCheckProblems(spot({ status: "absent", guardSignature: null })), []);
});

test("the spot check body names the guard one way only and drops an absent guard's signature", () => {
  const body = spotCheckBody(spot({ post: " 大门岗 ", photos: ["p1"] }), "2026-11-22T02:10:00+08:00");
  assert.equal(body.post, "大门岗");
  assert.equal(body.guard_user_id, 7);
  assert.equal(body.guard_name, "");
  assert.deepEqual(body.photo_client_ids, ["p1"]);
  assert.equal(body.checker_signature, PNG);
  assert.equal(body.guard_signature, PNG);
  const byName = spotCheckBody(spot({ guardBy: "name", guard: " 孙杰 ", status: "absent" }), "x");
  assert.equal(byName.guard_user_id, null);
  assert.equal(byName.guard_name, "孙杰");
  assert.equal(byName.guard_signature, null);
});

/** @returns {import("../../src/screens/roles/duty-rules.js").HandoverForm} */
const handover = (change = {}) => ({
  incoming: "12",
  shift: "夜班→白班",
  items: [{ kind: "key", count: "3", description: " 机房 " }],
  matters: "3 栋电梯异响\n\n  B2 积水 ",
  ...change,
});

test("a handover needs someone else taking over and whole counts", () => {
  assert.deepEqual(handoverProblems(handover(), 5), []);
  assert.deepEqual(handoverProblems(handover({ incoming: "" }), 5), ["incoming"]);
  assert.deepEqual(handoverProblems(handover({ incoming: "5" }), 5), ["self"]);
  assert.deepEqual(handoverProblems(handover({ items: [{ kind: "radio", count: "0", description: "" }] }), 5), ["count"]);
});

test("the handover body: this phone outgoing, items counted, one open matter per line", () => {
  const body = handoverBody(handover(), 5, "dev-1");
  assert.equal(body.outgoing_user_id, 5);
  assert.equal(body.incoming_user_id, 12);
  assert.equal(body.outgoing_device_id, "dev-1");
  assert.deepEqual(body.items, [{ kind: "key", count: 3, description: "机房" }]);
  assert.deepEqual(body.open_matters, ["3 栋电梯异响", "B2 积水"]);
});

test("each party confirms in turn: outgoing first, then incoming", () => {
  const h = (/** @type {any} */ state) => ({ state, outgoing_user_id: 5, incoming_user_id: 12 });
  assert.equal(handoverStep(h("draft"), 5), "confirm_outgoing");
  assert.equal(handoverStep(h("draft"), 12), "wait_outgoing");
  assert.equal(handoverStep(h("outgoing_confirmed"), 12), "confirm_incoming");
  assert.equal(handoverStep(h("outgoing_confirmed"), 5), "wait_incoming");
  assert.equal(handoverStep(h("completed"), 12), null);
  assert.equal(handoverStep(h("draft"), 99), null);
});

test("ETags are the server's: table, id, version", () => {
  assert.equal(etagOf("patrol_handovers", { id: 4, version: 2 }), '"patrol_handovers-4-v2"');
  assert.equal(etagOf("renovation_notices", { id: 9, version: 1 }), '"renovation_notices-9-v1"');
});

test("an acknowledgement is a signature with a name, or a refusal with a photo", () => {
  /** @type {import("../../src/screens/roles/duty-rules.js").AckForm} */
  const form = { outcome: "signed", role: "owner", name: "", signature: null, photos: [], note: "" };
  assert.deepEqual(ackProblems(form), ["name", "signature"]);
  assert.deepEqual(ackProblems({ ...form, name: "陈业主", signature: PNG }), []);
  assert.deepEqual(ackProblems({ ...form, outcome: "refused" }), ["photo"]);
  const signed = ackBody({ ...form, name: " 陈业主 ", signature: PNG, photos: ["p"] }, "t");
  assert.equal(signed.signature, PNG);
  assert.equal(signed.refusal_photo_client_id, null);
  assert.equal(signed.signer_name, "陈业主");
  const refused = ackBody({ ...form, outcome: "refused", signature: PNG, photos: ["a", "b"] }, "t");
  assert.equal(refused.signature, null);
  assert.equal(refused.refusal_photo_client_id, "b"); // the last photo taken
});
