import { test } from "node:test";
import assert from "node:assert/strict";
import { propertiesOf, rolesOf } from "../../src/roles.js";
import { parseHash } from "../../src/router.js";

const assignments = [
  { property_id: 2, property_name: "翠苑", role: "engineer" },
  { property_id: 1, property_name: "金湖", role: "floor_manager" },
  { property_id: 2, property_name: "翠苑", role: "floor_manager" },
];

test("roles are listed in domain order with the properties where each is held", () => {
  assert.deepEqual(rolesOf(assignments, false), [
    { role: "floor_manager", properties: ["金湖", "翠苑"] },
    { role: "engineer", properties: ["翠苑"] },
  ]);
});

test("is_admin adds the admin card; unknown roles go last", () => {
  const roles = rolesOf([{ property_id: 1, property_name: "A", role: /** @type {any} */ ("auditor") }], true);
  assert.deepEqual(roles.map((r) => r.role), ["admin", "auditor"]);
});

test("properties group the user's roles", () => {
  assert.deepEqual(propertiesOf(assignments), [
    { id: 2, name: "翠苑", roles: ["engineer", "floor_manager"] },
    { id: 1, name: "金湖", roles: ["floor_manager"] },
  ]);
});

test("hash routes parse to a path and a query", () => {
  assert.equal(parseHash("").path, "/");
  assert.equal(parseHash("#/").path, "/");
  assert.equal(parseHash("#/login").path, "/login");
  const route = parseHash("#/patrol//12/?tab=log");
  assert.equal(route.path, "/patrol/12");
  assert.equal(route.query.get("tab"), "log");
});
