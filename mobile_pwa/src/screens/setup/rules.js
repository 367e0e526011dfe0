// Pure rules of the set-up screens (no DOM, no fetch), unit-tested in tests/unit/setup-rules.test.js:
// a checkpoint's geofence from GPS fixes, the map-free list of checkpoints by distance, reading the
// server's refusals into field messages and file problems, the settings form, route windows, and
// the first-run guide's steps.

/** @typedef {{ latitude: number, longitude: number, accuracy: number }} Fix */
/** @typedef {{ type: "Point", coordinates: [number, number], radius_m: number }} CircleFence */
/** @typedef {{ type: "Polygon", coordinates: [number, number][][] }} PolygonFence */

const EARTH_RADIUS_M = 6_371_008.8;
// The server's limits (patrol/geofence.py): a circle of 1 to 2000 m.
export const MIN_RADIUS_M = 5;
export const MAX_RADIUS_M = 2000;

/**
 * Great-circle distance in metres (haversine: exact enough at a property's scale).
 * @param {{ latitude: number, longitude: number }} a
 * @param {{ latitude: number, longitude: number }} b
 */
export function distanceM(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * "Stand here and record": the circle a patrol check-in must fall into. The centre weighs each
 * fix by 1/accuracy² (a 5 m fix counts more than a 40 m one); the radius covers the spread of the
 * fixes and the best fix's own error, so a phone standing at the same spot later is inside.
 * @param {Fix[]} fixes
 * @returns {{ latitude: number, longitude: number, radius_m: number } | null}
 */
export function circleFromFixes(fixes) {
  const good = fixes.filter((f) => Number.isFinite(f.latitude) && Number.isFinite(f.longitude));
  if (good.length === 0) return null;
  let weights = 0;
  let lat = 0;
  let lon = 0;
  for (const f of good) {
    const w = 1 / Math.max(1, f.accuracy) ** 2;
    weights += w;
    lat += f.latitude * w;
    lon += f.longitude * w;
  }
  const centre = { latitude: lat / weights, longitude: lon / weights };
  const spread = Math.max(...good.map((f) => distanceM(centre, f)));
  const best = Math.min(...good.map((f) => Math.max(0, f.accuracy)));
  return { ...centre, radius_m: clampRadius(Math.ceil(Math.max(spread, best))) };
}

/** @param {number} radius */
export function clampRadius(radius) {
  if (!Number.isFinite(radius)) return MIN_RADIUS_M;
  return Math.min(MAX_RADIUS_M, Math.max(MIN_RADIUS_M, Math.round(radius)));
}

/**
 * @param {{ latitude: number, longitude: number }} centre
 * @param {number} radius
 * @returns {CircleFence}
 */
export function circleFence(centre, radius) {
  return { type: "Point", coordinates: [round7(centre.longitude), round7(centre.latitude)], radius_m: clampRadius(radius) };
}

/**
 * "Walk the outline": the polygon of the fixes recorded at its corners. Their convex hull, so the
 * order they were walked in cannot make edges cross (the server refuses crossing edges); closed
 * (first position repeated last), lon/lat as GeoJSON. Null until three corners enclose an area.
 * @param {Fix[]} fixes
 * @returns {PolygonFence | null}
 */
export function polygonFromFixes(fixes) {
  /** @type {[number, number][]} */
  const points = fixes.map((f) => [round7(f.longitude), round7(f.latitude)]);
  const hull = convexHull(points);
  if (hull.length < 3) return null;
  return { type: "Polygon", coordinates: [[...hull, hull[0]]] };
}

/**
 * Andrew's monotone chain; collinear points are dropped.
 * @param {[number, number][]} points
 * @returns {[number, number][]}
 */
export function convexHull(points) {
  const sorted = [...new Map(points.map((p) => [`${p[0]},${p[1]}`, p])).values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (sorted.length < 3) return sorted;
  /** @param {[number, number]} o @param {[number, number]} a @param {[number, number]} b */
  const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  /** @type {[number, number][]} */
  const lower = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  /** @type {[number, number][]} */
  const upper = [];
  for (const p of [...sorted].reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** @param {number} x 7 decimals ≈ 1 cm: more is noise, and shorter bodies. */
function round7(x) {
  return Math.round(x * 1e7) / 1e7;
}

/**
 * Where a checkpoint is, for the distance list: its latitude/longitude, else its geofence's
 * circle centre or first polygon corner.
 * @param {{ latitude?: number | null, longitude?: number | null, geofence?: unknown }} checkpoint
 * @returns {{ latitude: number, longitude: number } | null}
 */
export function positionOf(checkpoint) {
  if (typeof checkpoint.latitude === "number" && typeof checkpoint.longitude === "number") {
    return { latitude: checkpoint.latitude, longitude: checkpoint.longitude };
  }
  const fence = /** @type {{ type?: string, coordinates?: any } | null | undefined} */ (checkpoint.geofence);
  if (fence?.type === "Point" && Array.isArray(fence.coordinates)) {
    return { longitude: fence.coordinates[0], latitude: fence.coordinates[1] };
  }
  if (fence?.type === "Polygon" && Array.isArray(fence.coordinates?.[0]?.[0])) {
    const [longitude, latitude] = fence.coordinates[0][0];
    return { latitude, longitude };
  }
  return null;
}

/**
 * The map-free list: every checkpoint with its distance from the current fix, nearest first;
 * those without a position come last, in their own order. Works with no map tiles at all.
 * @template {{ latitude?: number | null, longitude?: number | null, geofence?: unknown }} C
 * @param {C[]} checkpoints
 * @param {{ latitude: number, longitude: number } | null} fix
 * @returns {{ checkpoint: C, metres: number | null }[]}
 */
export function byDistance(checkpoints, fix) {
  const rows = checkpoints.map((checkpoint) => {
    const at = positionOf(checkpoint);
    return { checkpoint, metres: fix && at ? Math.round(distanceM(fix, at)) : null };
  });
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => (a.row.metres ?? Infinity) - (b.row.metres ?? Infinity) || a.i - b.i)
    .map(({ row }) => row);
}

// ---- the server's refusals -------------------------------------------------------------------

/**
 * The server's field errors as {field: message}: `details.fields.json` (marshmallow and
 * field_error()), whose keys are the body's field names ("code", "settings.upload_deadline").
 * When the refusal names a single field and has a Chinese message, Chinese readers get that one.
 * @param {unknown} error an ApiError
 * @param {boolean} zh
 * @returns {Record<string, string>}
 */
export function fieldErrors(error, zh) {
  const details = /** @type {{ details?: Record<string, any> }} */ (error ?? {}).details ?? {};
  const fields = details.fields?.json ?? {};
  /** @type {Record<string, string>} */
  const out = {};
  const names = Object.keys(fields);
  for (const name of names) {
    const messages = fields[name];
    const text = Array.isArray(messages) ? messages.map((m) => (typeof m === "string" ? m : JSON.stringify(m))).join(" ") : JSON.stringify(messages);
    out[name] = zh && names.length === 1 && typeof details.message_zh === "string" ? details.message_zh : text;
  }
  return out;
}

/**
 * The problems of an imported file (structure or routes), each with its line where the server
 * knows it, in file order.
 * @param {unknown} error
 * @returns {{ line: number | null, column: number | null, path: string, message: string }[]}
 */
export function fileProblems(error) {
  const problems = /** @type {{ details?: Record<string, any> }} */ (error ?? {}).details?.problems;
  if (!Array.isArray(problems)) return [];
  return problems
    .map((p) => ({
      line: typeof p.line === "number" ? p.line : null,
      column: typeof p.column === "number" ? p.column : null,
      path: String(p.path ?? ""),
      message: String(p.message ?? ""),
    }))
    .sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}

/** @param {string} name a file name: .json is JSON, anything else is read as YAML */
export function fileFormat(name) {
  return /\.json$/i.test(name) ? "json" : "yaml";
}

// ---- times, settings, route windows ----------------------------------------------------------

/** @param {string} value */
export function isTime(value) {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(value);
}

/** "08:00:00" (the server's times) → "08:00"; empty for none. @param {string | null | undefined} value */
export function hhmm(value) {
  return value ? value.slice(0, 5) : "";
}

export const SEVERITIES = /** @type {const} */ (["critical", "major", "minor"]);

/**
 * The settings the form edits: top-level shift times, and keys of `settings` the server checks.
 * @typedef {{ day_shift_start: string, day_shift_end: string, late_shift_end: string,
 *   night_handover: string, upload_deadline: string, loan_return_time: string,
 *   clock_skew_minutes: string, deadline_critical: string, deadline_major: string,
 *   deadline_minor: string }} SettingsForm
 */

/**
 * @param {{ day_shift_start?: string | null, day_shift_end?: string | null, late_shift_end?: string | null,
 *   night_handover?: string | null, settings?: Record<string, any> }} property
 * @returns {SettingsForm}
 */
export function settingsForm(property) {
  const s = property.settings ?? {};
  const days = s.renovation_deadline_days ?? {};
  const text = (/** @type {unknown} */ v) => (v === undefined || v === null ? "" : String(v));
  return {
    day_shift_start: hhmm(property.day_shift_start),
    day_shift_end: hhmm(property.day_shift_end),
    late_shift_end: hhmm(property.late_shift_end),
    night_handover: hhmm(property.night_handover),
    upload_deadline: text(s.upload_deadline),
    loan_return_time: text(s.loan_return_time),
    clock_skew_minutes: text(s.clock_skew_minutes),
    deadline_critical: text(days.critical),
    deadline_major: text(days.major),
    deadline_minor: text(days.minor),
  };
}

/**
 * The PATCH body for the form, keeping every settings key the form does not edit (the server
 * replaces `settings` whole). An empty box removes the override (the product default applies).
 * The phone checks only the shape (HH:MM, a number): the server's rules decide the rest, and its
 * refusal is shown on the field.
 * @param {Record<string, any>} current the property's settings now
 * @param {SettingsForm} form
 * @returns {{ body: Record<string, any>, errors: Partial<Record<keyof SettingsForm, "time" | "number">> }}
 */
export function settingsPatch(current, form) {
  /** @type {Partial<Record<keyof SettingsForm, "time" | "number">>} */
  const errors = {};
  /** @type {Record<string, any>} */
  const body = {};
  for (const key of /** @type {const} */ (["day_shift_start", "day_shift_end", "late_shift_end", "night_handover"])) {
    const value = form[key].trim();
    if (!value) continue; // a shift time cannot be removed, only changed
    if (!isTime(value)) errors[key] = "time";
    else body[key] = value;
  }
  const settings = { ...current };
  for (const key of /** @type {const} */ (["upload_deadline", "loan_return_time"])) {
    const value = form[key].trim();
    if (!value) delete settings[key];
    else if (!isTime(value)) errors[key] = "time";
    else settings[key] = value;
  }
  const skew = form.clock_skew_minutes.trim();
  if (!skew) delete settings.clock_skew_minutes;
  else if (!/^\d+(\.\d+)?$/.test(skew)) errors.clock_skew_minutes = "number";
  else settings.clock_skew_minutes = Number(skew);
  /** @type {Record<string, number>} */
  const days = {};
  for (const severity of SEVERITIES) {
    const key = /** @type {keyof SettingsForm} */ (`deadline_${severity}`);
    const value = form[key].trim();
    if (!value) continue;
    if (!/^\d+$/.test(value)) errors[key] = "number";
    else days[severity] = Number(value);
  }
  if (Object.keys(days).length > 0) settings.renovation_deadline_days = days;
  else delete settings.renovation_deadline_days;
  body.settings = settings;
  return { body, errors };
}

/**
 * Which form box a server field error belongs to ("settings.renovation_deadline_days" → the
 * deadline boxes share one message; shown on the first).
 * @param {string} field
 * @returns {keyof SettingsForm | null}
 */
export function settingsFieldOf(field) {
  const name = field.replace(/^settings\./, "");
  if (name === "renovation_deadline_days") return "deadline_critical";
  const known = ["day_shift_start", "day_shift_end", "late_shift_end", "night_handover", "upload_deadline", "loan_return_time", "clock_skew_minutes"];
  return known.includes(name) ? /** @type {keyof SettingsForm} */ (name) : null;
}

/**
 * A route window from the form: start/end HH:MM (an end before the start is the next day, as
 * the server reads it), tolerance minutes, ISO weekdays.
 * @param {{ start: string, end: string, tolerance: string, weekdays: number[] }} form
 * @returns {{ window: { start: string, end: string, start_tolerance_minutes: number, weekdays: number[] } | null, error: "time" | "weekdays" | "tolerance" | null }}
 */
export function routeWindow(form) {
  if (!isTime(form.start) || !isTime(form.end) || form.start === form.end) return { window: null, error: "time" };
  if (form.weekdays.length === 0) return { window: null, error: "weekdays" };
  const tolerance = form.tolerance.trim() === "" ? 0 : Number(form.tolerance);
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 240) return { window: null, error: "tolerance" };
  const weekdays = [...new Set(form.weekdays)].sort((a, b) => a - b);
  return { window: { start: form.start, end: form.end, start_tolerance_minutes: tolerance, weekdays }, error: null };
}

// ---- the first-run guide ---------------------------------------------------------------------

export const GUIDE_STEPS = /** @type {const} */ (["structure", "people", "checkpoints", "routes", "labels"]);
/** @typedef {typeof GUIDE_STEPS[number]} GuideStep */

/**
 * The guide's steps, each ticked from real data: a building exists; someone other than
 * administrators works here; a checkpoint; a route; the label sheet was fetched (on this phone,
 * the server keeps no record of printing) after the newest checkpoint was made.
 * @param {{ buildings: number, staff: number, checkpoints: number, routes: number,
 *   newestCheckpointAt: string | null, labelsFetchedAt: string | null }} facts
 * @returns {{ step: GuideStep, done: boolean }[]}
 */
export function guideSteps(facts) {
  const labels =
    facts.checkpoints > 0 &&
    facts.labelsFetchedAt !== null &&
    (facts.newestCheckpointAt === null || Date.parse(facts.labelsFetchedAt) >= Date.parse(facts.newestCheckpointAt));
  return [
    { step: "structure", done: facts.buildings > 0 },
    { step: "people", done: facts.staff > 0 },
    { step: "checkpoints", done: facts.checkpoints > 0 },
    { step: "routes", done: facts.routes > 0 },
    { step: "labels", done: labels },
  ];
}

/**
 * Staff who are not (only) administrators at the property: the people who will do the work.
 * @param {{ assignments?: { property_id?: number, role?: string }[], active?: boolean }[]} users
 * @param {number} propertyId
 */
export function workingStaff(users, propertyId) {
  return users.filter(
    (u) => u.active !== false && (u.assignments ?? []).some((a) => a.property_id === propertyId && a.role !== "admin"),
  ).length;
}
