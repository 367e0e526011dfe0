// The outbox's smaller parts: hashing, times, mime sniffing, the caption strip, the transport's
// edge cases and the heartbeat's body.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { FakeServer, jpegBytes } from "./fake-server.js";
import { installStorage } from "./helpers.js";
import { sha256 } from "../../src/outbox/sha256.js";
import { formFields, isoWithOffset, photoMime, shortHash, stripLines, toHex } from "../../src/outbox/photo.js";
import { outcomeOf, sendJson, uploadPhoto } from "../../src/outbox/transport.js";
import { buildHeartbeat, deviceFacts } from "../../src/outbox/heartbeat.js";

installStorage();

test("the script SHA-256 (for pages without SubtleCrypto) equals node's", () => {
  for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
    const data = randomBytes(length);
    const expected = createHash("sha256").update(data).digest("hex");
    assert.equal(toHex(sha256(new Uint8Array(data))), expected, `length ${length}`);
  }
});

test("captured_at keeps the device's offset", () => {
  const instant = new Date("2026-11-23T01:30:05.120Z");
  assert.equal(isoWithOffset(instant, 480), "2026-11-23T09:30:05.120+08:00");
  assert.equal(isoWithOffset(instant, 0), "2026-11-23T01:30:05.120+00:00");
  assert.equal(isoWithOffset(instant, -150), "2026-11-22T23:00:05.120-02:30");
  assert.equal(Date.parse(isoWithOffset(instant, 480)), instant.getTime());
});

test("a photo's type comes from the browser, else from its first bytes", () => {
  assert.equal(photoMime(jpegBytes(), ""), "image/jpeg");
  assert.equal(photoMime(jpegBytes(), "image/heic"), "image/heic");
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).buffer;
  assert.equal(photoMime(png), "image/png");
  const heic = new TextEncoder().encode("\0\0\0\x18ftypheic\0\0\0\0").buffer;
  assert.equal(photoMime(heic), "image/heic");
  assert.equal(photoMime(new ArrayBuffer(2)), "application/octet-stream");
});

test("the caption strip says where, when, who and the short hash", () => {
  const lines = stripLines({
    place: "翠湖花园 · 随手拍",
    capturedAt: "2026-11-23T09:30:05.120+08:00",
    person: "王楼管",
    sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  });
  assert.deepEqual(lines, ["翠湖花园 · 随手拍", "2026-11-23 09:30  王楼管", "SHA-256 9f86d081"]);
  assert.equal(shortHash("abcdef0123456789"), "abcdef01");
});

test("optional form fields are left out, not sent empty", () => {
  const fields = formFields(/** @type {any} */ ({
    client_id: "c",
    sha256: "s",
    property_id: 3,
    context_type: "ad_hoc",
    context_id: null,
    captured_at: "t",
    device_id: "d",
    lat: null,
    lon: null,
    accuracy: null,
    note: "",
  }));
  assert.deepEqual(Object.fromEntries(fields), {
    client_id: "c",
    sha256: "s",
    property_id: "3",
    context_type: "ad_hoc",
    captured_at: "t",
    device_id: "d",
  });
});

test("answers become outcomes: replay header, Retry-After, the error shape", () => {
  const headers = (/** @type {Record<string, string>} */ h) => (/** @type {string} */ name) => h[name] ?? null;
  const replay = outcomeOf(200, '{"id": 1}', headers({ "Idempotent-Replay": "true" }));
  assert.equal(replay.replay, true);
  assert.deepEqual(replay.body, { id: 1 });
  const outage = outcomeOf(
    503,
    '{"code":"storage_unavailable","message":"Storage down.","details":{"message_zh":"存储不可用。"}}',
    headers({ "Retry-After": "30" }),
  );
  assert.equal(outage.retryAfter, 30);
  assert.equal(outage.code, "storage_unavailable");
  assert.equal(outage.details.message_zh, "存储不可用。");
  const proxy = outcomeOf(502, "<html>Bad gateway</html>", headers({}));
  assert.equal(proxy.code, "http_502");
});

test("a JSON action whose schema has no client_id sends it only as Idempotency-Key", async () => {
  const server = new FakeServer();
  const item = /** @type {any} */ ({ client_id: "c-1", method: "POST", url: "/devices/heartbeat", body: { device_id: "d" }, id_in: "header" });
  const outcome = await sendJson(item, "tok", { fetchImpl: server.fetch() });
  assert.equal(outcome.status, 204);
  assert.deepEqual(server.requests[0].body, { device_id: "d" });
  assert.equal(server.requests[0].headers["Idempotency-Key"], "c-1");
});

test("a network failure or a timeout is an outcome with status 0, never a rejection", async () => {
  const down = /** @type {typeof fetch} */ (async () => {
    throw new TypeError("Failed to fetch");
  });
  const item = /** @type {any} */ ({ client_id: "c", method: "POST", url: "/x", body: {}, id_in: "body" });
  assert.equal((await sendJson(item, "t", { fetchImpl: down })).code, "network_error");
  const slow = /** @type {typeof fetch} */ (
    (_url, init) => new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(new Error("aborted"))))
  );
  const timedOut = await sendJson(item, "t", { fetchImpl: slow, timeoutMs: 20 });
  assert.equal(timedOut.status, 0);
  assert.equal(timedOut.code, "timeout");
});

test("an upload that stops making progress is abandoned as a timeout", async () => {
  const server = new FakeServer();
  server.stall = true;
  const photo = /** @type {any} */ ({ client_id: "c", mime: "image/jpeg", sha256: "s", property_id: 1, context_type: "ad_hoc", captured_at: "t", device_id: "d" });
  const outcome = await uploadPhoto(photo, jpegBytes(), "tok", { Xhr: /** @type {any} */ (server.xhr()), stallMs: 30 });
  assert.equal(outcome.status, 0);
  assert.equal(outcome.code, "timeout");
});

test("the heartbeat reports what the phone still holds", () => {
  const items = /** @type {any[]} */ ([
    { kind: "photo", client_id: "p1", created_at: "2026-11-23T01:00:00.000Z", state: "pending", captured_at: "2026-11-23T09:00:00.000+08:00", context_type: "ad_hoc", context_id: null },
    { kind: "json", created_at: "2026-11-23T00:10:00.000Z", state: "conflict" },
    { kind: "heartbeat", created_at: "2026-11-22T00:00:00.000Z", state: "pending" },
  ]);
  assert.deepEqual(buildHeartbeat({ deviceId: "d", items, appVersion: "abc", battery: 0.5, storageFree: 1024 }), {
    device_id: "d",
    outbox_count: 2,
    pending_photo_count: 1,
    oldest_pending_at: "2026-11-23T00:10:00.000Z",
    battery_level: 0.5,
    storage_free_bytes: 1024,
    app_version: "abc",
    pending_photos: [{ client_id: "p1", captured_at: "2026-11-23T09:00:00.000+08:00", context_type: "ad_hoc", context_id: null }],
  });
  assert.equal(buildHeartbeat({ deviceId: "d", items: [], appVersion: "x", battery: null, storageFree: null }).oldest_pending_at, null);
});

test("battery and storage are null where the browser does not tell", async () => {
  assert.deepEqual(await deviceFacts(/** @type {any} */ ({})), { battery: null, storageFree: null });
  const nav = /** @type {any} */ ({
    getBattery: async () => ({ level: 0.42 }),
    storage: { estimate: async () => ({ quota: 1000, usage: 250 }) },
  });
  assert.deepEqual(await deviceFacts(nav), { battery: 0.42, storageFree: 750 });
  const refusing = /** @type {any} */ ({ getBattery: async () => Promise.reject(new Error("policy")) });
  assert.deepEqual(await deviceFacts(refusing), { battery: null, storageFree: null });
});

test("each reason an item waits is explained in words a floor manager acts on", async () => {
  const { explain } = await import("../../src/outbox/explain.js");
  const now = Date.parse("2026-11-23T01:30:00Z");
  const base = /** @type {any} */ ({ kind: "photo", state: "pending", user_id: 7, user_name: "王楼管", last_error: null, next_try_at: null });
  const ctx = { online: true, owner: 7, now, present: new Set() };
  const err = (status, code = `http_${status}`) => ({ ...base, last_error: { status, code, message: "m" } });
  const cases = [
    [{ ...base, state: "conflict" }, ctx, "outbox.reason.conflict"],
    [{ ...base, state: "failed_permanent", last_error: { status: 201, code: "hash_mismatch", message: "" } }, ctx, "outbox.reason.hashMismatch"],
    [{ ...base, state: "failed_permanent", last_error: { status: 422, code: "x", message: "" } }, ctx, "outbox.reason.refused"],
    [base, { ...ctx, owner: 12 }, "outbox.reason.otherUser"],
    [err(401), ctx, "outbox.reason.auth"],
    [base, { ...ctx, online: false }, "outbox.reason.offline"],
    [err(0, "network_error"), { ...ctx, online: false }, "outbox.reason.offline"],
    [{ ...base, depends_on: ["p"] }, { ...ctx, present: new Set(["p"]) }, "outbox.reason.dependency"],
    [{ ...base, next_try_at: new Date(now + 5000).toISOString() }, ctx, "outbox.reason.locating"],
    [base, ctx, "outbox.reason.waiting"],
    [err(0, "network_error"), ctx, "outbox.reason.network"],
    [err(0, "timeout"), ctx, "outbox.reason.timeout"],
    [err(503), ctx, "outbox.reason.storage"],
    [err(429), ctx, "outbox.reason.busy"],
    [err(500), ctx, "outbox.reason.server"],
  ];
  for (const [item, context, key] of cases) assert.equal(explain(item, context)?.key, key, JSON.stringify(item.last_error));
  assert.equal(explain({ ...base, state: "sending" }, ctx), null);
  assert.deepEqual(explain(base, { ...ctx, owner: 12 })?.params, { name: "王楼管" });
});
