// The duty-staff list as reference data: read from the server, kept per user and property, used
// offline, and never borrowed when the server refuses the person.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { fakeFetch, installStorage, jsonResponse } from "./helpers.js";
import { loadStaff, staffCacheKey } from "../../src/components/staff-picker.js";

const STAFF = [{ id: 8, display_name: "孙杰（护卫员）", roles: ["guard"] }];
const PATH = "/patrol/properties/1/duty-staff?role=guard";

beforeEach(() => installStorage());

test("the list is kept per user and property, and read back when the server cannot be reached", async () => {
  const key = staffCacheKey(7, 1, "guard");
  assert.equal(key, "xj.dutyStaff.7.1.guard");
  assert.notEqual(key, staffCacheKey(9, 1, "guard"));
  fakeFetch(() => jsonResponse(200, { items: STAFF }));
  assert.deepEqual(await loadStaff(key, PATH), STAFF);
  fakeFetch(() => Promise.reject(new TypeError("Failed to fetch")));
  assert.deepEqual(await loadStaff(key, PATH), STAFF, "offline: the kept copy");
  assert.equal(await loadStaff(staffCacheKey(9, 1, "guard"), PATH), null, "no copy of one's own: type instead");
});

test("a refusal is not papered over with a kept copy", async () => {
  const key = staffCacheKey(7, 1);
  fakeFetch(() => jsonResponse(200, { items: STAFF }));
  await loadStaff(key, PATH);
  fakeFetch(() => jsonResponse(403, { code: "forbidden", message: "No." }));
  assert.equal(await loadStaff(key, PATH), null);
});
