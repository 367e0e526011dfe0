// The pure rules of the set-up screens: geofences from GPS fixes, the distance list, the server's
// refusals, the settings form, route windows and the first-run guide.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  byDistance,
  circleFence,
  circleFromFixes,
  convexHull,
  distanceM,
  fieldErrors,
  fileFormat,
  fileProblems,
  guideSteps,
  polygonFromFixes,
  routeWindow,
  settingsFieldOf,
  settingsForm,
  settingsPatch,
  workingStaff,
} from "../../src/screens/setup/rules.js";

const HERE = { latitude: 22.5431, longitude: 114.0579 };
// ~111 m per 0.001° of latitude
const north = (metres) => ({ latitude: HERE.latitude + metres / 111_195, longitude: HERE.longitude });

test("distance: haversine in metres", () => {
  assert.equal(distanceM(HERE, HERE), 0);
  assert.ok(Math.abs(distanceM(HERE, north(100)) - 100) < 0.5);
});

test("circle: one fix → its position, radius = its accuracy (at least 5 m)", () => {
  const c = circleFromFixes([{ ...HERE, accuracy: 12 }]);
  assert.deepEqual(c, { ...HERE, radius_m: 12 });
  assert.equal(circleFromFixes([{ ...HERE, accuracy: 1 }])?.radius_m, 5);
  assert.equal(circleFromFixes([]), null);
});

test("circle: several fixes weigh by accuracy and cover their spread", () => {
  const c = circleFromFixes([
    { ...HERE, accuracy: 5 },
    { ...north(40), accuracy: 50 }, // a poor fix barely moves the centre…
  ]);
  assert.ok(c);
  assert.ok(distanceM(HERE, c) < 1);
  assert.ok(c.radius_m >= 39 && c.radius_m <= 41); // …but the circle still reaches it
});

test("circle fence: GeoJSON Point lon/lat with a clamped radius", () => {
  assert.deepEqual(circleFence(HERE, 30.4), { type: "Point", coordinates: [114.0579, 22.5431], radius_m: 30 });
  assert.equal(circleFence(HERE, 99999).radius_m, 2000);
  assert.equal(circleFence(HERE, 0).radius_m, 5);
});

test("polygon: convex hull of the walked corners, closed; null below three corners", () => {
  const corners = [
    { latitude: 0, longitude: 0, accuracy: 5 },
    { latitude: 0.0002, longitude: 0.0002, accuracy: 5 }, // walked in a crossing order
    { latitude: 0, longitude: 0.0002, accuracy: 5 },
    { latitude: 0.0002, longitude: 0, accuracy: 5 },
  ];
  const p = polygonFromFixes(corners);
  assert.ok(p);
  const ring = p.coordinates[0];
  assert.equal(ring.length, 5);
  assert.deepEqual(ring[0], ring[4]);
  assert.equal(polygonFromFixes(corners.slice(0, 2)), null);
  // collinear: no area
  assert.equal(polygonFromFixes([0, 1, 2].map((i) => ({ latitude: i * 0.0001, longitude: 0, accuracy: 5 }))), null);
  assert.equal(convexHull([[0, 0], [0, 0], [1, 1]]).length, 2);
});

test("distance list: nearest first, no position last, no fix keeps the order", () => {
  const list = [
    { code: "far", latitude: north(300).latitude, longitude: HERE.longitude },
    { code: "none" },
    { code: "near", geofence: { type: "Point", coordinates: [HERE.longitude, north(20).latitude], radius_m: 10 } },
  ];
  const rows = byDistance(list, HERE);
  assert.deepEqual(rows.map((r) => r.checkpoint.code), ["near", "far", "none"]);
  assert.equal(rows[0].metres, 20);
  assert.equal(rows[2].metres, null);
  assert.deepEqual(byDistance(list, null).map((r) => r.checkpoint.code), ["far", "none", "near"]);
});

test("field errors: per field; the Chinese message when a single field is named", () => {
  const one = { details: { fields: { json: { code: ["Building code B1 exists."] } }, message_zh: "楼栋编号 B1 已存在。" } };
  assert.deepEqual(fieldErrors(one, true), { code: "楼栋编号 B1 已存在。" });
  assert.deepEqual(fieldErrors(one, false), { code: "Building code B1 exists." });
  const two = { details: { fields: { json: { a: ["x"], b: ["y", "z"] } }, message_zh: "…" } };
  assert.deepEqual(fieldErrors(two, true), { a: "x", b: "y z" });
  assert.deepEqual(fieldErrors(null, true), {});
});

test("file problems: by line, unknown lines last; format by extension", () => {
  const error = { details: { problems: [{ path: "b", line: 9, column: 3, message: "m2" }, { path: "a", line: null, message: "m0" }, { path: "c", line: 2, column: 1, message: "m1" }] } };
  assert.deepEqual(fileProblems(error).map((p) => p.message), ["m1", "m2", "m0"]);
  assert.deepEqual(fileProblems({}), []);
  assert.equal(fileFormat("a.JSON"), "json");
  assert.equal(fileFormat("routes.yml"), "yaml");
});

test("settings: form from the property, patch keeps unknown keys, empty removes an override", () => {
  const property = {
    day_shift_start: "08:00:00",
    day_shift_end: "18:00:00",
    settings: { upload_deadline: "20:00", spot_check_quota: 6, renovation_deadline_days: { minor: 10 } },
  };
  const form = settingsForm(property);
  assert.equal(form.day_shift_start, "08:00");
  assert.equal(form.deadline_minor, "10");
  const { body, errors } = settingsPatch(property.settings, { ...form, upload_deadline: "", clock_skew_minutes: "5", deadline_critical: "0" });
  assert.deepEqual(errors, {});
  assert.deepEqual(body.settings, { spot_check_quota: 6, clock_skew_minutes: 5, renovation_deadline_days: { critical: 0, minor: 10 } });
  assert.equal(body.day_shift_start, "08:00");
  assert.ok(!("late_shift_end" in body));
  const bad = settingsPatch({}, { ...form, loan_return_time: "5pm", clock_skew_minutes: "-1", deadline_major: "two" });
  assert.deepEqual(bad.errors, { loan_return_time: "time", clock_skew_minutes: "number", deadline_major: "number" });
  assert.equal(settingsFieldOf("settings.renovation_deadline_days"), "deadline_critical");
  assert.equal(settingsFieldOf("day_shift_end"), "day_shift_end");
  assert.equal(settingsFieldOf("settings.unknown"), null);
});

test("route window: times, weekdays, tolerance", () => {
  assert.deepEqual(routeWindow({ start: "22:00", end: "02:00", tolerance: "15", weekdays: [5, 1, 1] }), {
    window: { start: "22:00", end: "02:00", start_tolerance_minutes: 15, weekdays: [1, 5] },
    error: null,
  });
  assert.equal(routeWindow({ start: "8:00", end: "09:00", tolerance: "", weekdays: [1] }).error, "time");
  assert.equal(routeWindow({ start: "08:00", end: "08:00", tolerance: "", weekdays: [1] }).error, "time");
  assert.equal(routeWindow({ start: "08:00", end: "09:00", tolerance: "", weekdays: [] }).error, "weekdays");
  assert.equal(routeWindow({ start: "08:00", end: "09:00", tolerance: "300", weekdays: [1] }).error, "tolerance");
});

test("guide: ticks from the facts; labels only after the newest checkpoint", () => {
  const facts = { buildings: 1, staff: 0, checkpoints: 2, routes: 0, newestCheckpointAt: "2026-12-06T08:00:00Z", labelsFetchedAt: "2026-12-06T07:00:00Z" };
  assert.deepEqual(guideSteps(facts).map((s) => s.done), [true, false, true, false, false]);
  assert.equal(guideSteps({ ...facts, labelsFetchedAt: "2026-12-06T09:00:00Z" })[4].done, true);
  assert.equal(guideSteps({ ...facts, checkpoints: 0, labelsFetchedAt: "2026-12-06T09:00:00Z" })[4].done, false);
});

test("working staff: active people with a non-admin role here", () => {
  const users = [
    { assignments: [{ property_id: 1, role: "admin" }] },
    { assignments: [{ property_id: 2, role: "engineer" }] },
    { assignments: [{ property_id: 1, role: "floor_manager" }], active: false },
    { assignments: [{ property_id: 1, role: "engineer" }] },
  ];
  assert.equal(workingStaff(users, 1), 1);
});
