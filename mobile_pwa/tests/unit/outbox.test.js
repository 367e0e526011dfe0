// The outbox end to end on the device side: fake-indexeddb for storage, the real transport code
// over a fake XHR/fetch, and a fake server that follows the evidence contract (fake-server.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { IDBFactory } from "fake-indexeddb";
import { FakeServer, jpegBytes, nodeSha256 } from "./fake-server.js";
import { installStorage } from "./helpers.js";
import { openOutboxDb } from "../../src/outbox/db.js";
import { createOutbox } from "../../src/outbox/outbox.js";
import { sendJson, uploadPhoto } from "../../src/outbox/transport.js";
import { sha256Hex } from "../../src/outbox/photo.js";

installStorage(); // api.js (imported by the transport) reads the session from localStorage

const NOW = Date.parse("2026-11-23T01:30:00Z");

/**
 * An outbox on a fake IndexedDB, talking to `server`; `env` is what the browser would provide.
 * @param {{ factory?: IDBFactory, server?: FakeServer, modules?: { createOutbox: typeof createOutbox, openOutboxDb: typeof openOutboxDb } }} [options]
 */
async function setup({ factory = new IDBFactory(), server = new FakeServer(), modules = { createOutbox, openOutboxDb } } = {}) {
  const env = {
    now: NOW,
    online: true,
    /** @type {{ token: string, userId: string | number | null } | null} */
    auth: { token: "tok-fm1", userId: 7 },
    /** @type {number[]} */
    unauthorized: [],
    /** @type {[string, number | null][]} */
    progress: [],
    changes: 0,
  };
  const db = await modules.openOutboxDb({ name: "xj-outbox", factory });
  const outbox = modules.createOutbox({
    db,
    transport: {
      sendJson: (item, token) => sendJson(item, token, { fetchImpl: server.fetch() }),
      uploadPhoto: (photo, bytes, token, options) => uploadPhoto(photo, bytes, token, { ...options, Xhr: /** @type {any} */ (server.xhr()) }),
    },
    getAuth: () => env.auth,
    isOnline: () => env.online,
    now: () => env.now,
    random: () => 0,
    newId: () => randomUUID(),
    onUnauthorized: (outcome) => void env.unauthorized.push(outcome.status),
    onProgress: (id, fraction) => void env.progress.push([id, fraction]),
    onChange: () => void env.changes++,
  });
  return { outbox, db, server, env, factory };
}

/** Stores a photo as the camera does: hash first, then the outbox. */
async function capture(outbox, { seed = 1, owner = { userId: 7, userName: "王楼管" }, ...extra } = {}) {
  const bytes = jpegBytes(seed);
  const sha256 = await sha256Hex(bytes);
  const photo = await outbox.addPhoto(
    {
      mime: "image/jpeg",
      sha256,
      captured_at: "2026-11-23T09:30:00.000+08:00",
      lat: 22.5431,
      lon: 114.0579,
      accuracy: 10,
      location_error: null,
      device_id: "dev-1",
      property_id: 1,
      property_name: "翠湖花园",
      context_type: "ad_hoc",
      context_id: null,
      note: null,
      ...extra,
    },
    bytes,
    { owner },
  );
  return { photo, bytes, sha256 };
}

test("the sha256 computed on the device is the one of the bytes", async () => {
  const bytes = jpegBytes(3);
  assert.equal(await sha256Hex(bytes), nodeSha256(bytes));
});

test("items go to the server first in, first out", async () => {
  const { outbox, server } = await setup();
  const a = await capture(outbox, { seed: 1 });
  const b = await outbox.enqueue({ url: "/patrol/findings", body: { text: "漏水" } }, { userId: 7 });
  const c = await capture(outbox, { seed: 2 });
  const report = await outbox.sync();
  assert.equal(report.sent, 3);
  assert.deepEqual(server.log, ["POST /api/v1/evidence", "POST /api/v1/patrol/findings", "POST /api/v1/evidence"]);
  assert.equal(server.requests[0].body.client_id, a.photo.client_id);
  assert.equal(server.requests[1].body.client_id, b.client_id, "JSON actions carry client_id in the body");
  assert.equal(server.requests[2].body.client_id, c.photo.client_id);
  assert.deepEqual(await outbox.items(), []);
});

test("the upload carries the contract's fields and the original bytes, unchanged", async () => {
  const { outbox, server } = await setup();
  const { photo, sha256 } = await capture(outbox, { note: "东门", context_id: "r-9" });
  await outbox.sync();
  const sent = server.requests[0];
  assert.equal(sent.headers.Authorization, "Bearer tok-fm1");
  assert.equal(sent.headers["Idempotency-Key"], photo.client_id);
  assert.deepEqual(sent.body, {
    client_id: photo.client_id,
    sha256,
    property_id: "1",
    context_type: "ad_hoc",
    context_id: "r-9",
    captured_at: "2026-11-23T09:30:00.000+08:00",
    device_id: "dev-1",
    latitude: "22.5431",
    longitude: "114.0579",
    accuracy_m: "10",
    note: "东门",
  });
  const stored = server.evidence.get(photo.client_id);
  assert.equal(nodeSha256(stored.bytes), sha256);
});

test("an action that depends on a photo waits for it", async () => {
  const { outbox, server, env } = await setup();
  const { photo } = await capture(outbox);
  await outbox.enqueue({ url: "/patrol/findings", body: { photo: photo.client_id }, depends_on: [photo.client_id] }, { userId: 7 });
  server.next({ status: 503, headers: { "Retry-After": "10" }, body: { code: "storage_unavailable", message: "Storage down." } });

  const first = await outbox.sync();
  assert.deepEqual(server.log, ["POST /api/v1/evidence"], "the action did not overtake its photo");
  assert.equal(first.wakeAt, NOW + 10_000, "Retry-After decides the next try");

  env.now += 10_000;
  await outbox.sync();
  assert.deepEqual(server.log, ["POST /api/v1/evidence", "POST /api/v1/evidence", "POST /api/v1/patrol/findings"]);
  assert.deepEqual(await outbox.items(), []);
});

test("a transition queued behind another takes the ETag the server answered to it", async () => {
  const { outbox, server } = await setup();
  const listed = '"work_orders-5-v2"';
  const accept = await outbox.enqueue({ url: "/workorders/5/accept", id_in: "header", headers: { "If-Match": listed } }, { userId: 7 });
  await outbox.enqueue(
    { url: "/workorders/5/arrive", id_in: "header", headers: { "If-Match": listed }, depends_on: [accept.client_id], if_match_from: accept.client_id },
    { userId: 7 },
  );
  // The server's own format is its business: the phone copies what it is told.
  server.next({ status: 200, body: { id: 5, state: "accepted", etag: '"work_orders-5-v7"' } }, { status: 200, body: { id: 5, state: "on_site" } });
  await outbox.sync();
  assert.deepEqual(server.log, ["POST /api/v1/workorders/5/accept", "POST /api/v1/workorders/5/arrive"]);
  const ifMatch = server.requests.map((r) => Object.entries(r.headers).find(([k]) => k.toLowerCase() === "if-match")?.[1]);
  assert.deepEqual(ifMatch, [listed, '"work_orders-5-v7"']);
  assert.deepEqual(await outbox.items(), []);
});

test("a step queued after the one it follows was acknowledged takes that answer's ETag at once", async () => {
  const { outbox, server } = await setup();
  const accept = await outbox.enqueue({ url: "/workorders/5/accept", id_in: "header", headers: { "If-Match": '"v2"' } }, { userId: 7 });
  server.next({ status: 200, body: { id: 5, state: "accepted", etag: '"v3"' } });
  await outbox.sync();
  const arrive = await outbox.enqueue(
    { url: "/workorders/5/arrive", id_in: "header", headers: { "If-Match": '"v2"' }, depends_on: [accept.client_id], if_match_from: accept.client_id },
    { userId: 7 },
  );
  assert.deepEqual(arrive.headers, { "If-Match": '"v3"' });
  server.next({ status: 200, body: { id: 5, state: "on_site", etag: '"v4"' } });
  await outbox.sync();
  const sent = server.requests[1].headers;
  assert.equal(Object.entries(sent).find(([k]) => k.toLowerCase() === "if-match")?.[1], '"v3"');
});

test("when the step before is refused, the one behind it waits and keeps the listed ETag", async () => {
  const { outbox, server } = await setup();
  const accept = await outbox.enqueue({ url: "/workorders/5/accept", id_in: "header", headers: { "If-Match": '"e1"' } }, { userId: 7 });
  const arrive = await outbox.enqueue({ url: "/workorders/5/arrive", id_in: "header", headers: { "If-Match": '"e1"' }, depends_on: [accept.client_id], if_match_from: accept.client_id }, { userId: 7 });
  server.next({ status: 412, body: { code: "precondition_failed", message: "Changed." } });
  await outbox.sync();
  assert.deepEqual(server.log, ["POST /api/v1/workorders/5/accept"], "the arrive did not go without its accept");
  const items = new Map((await outbox.items()).map((i) => [i.client_id, i]));
  assert.equal(items.get(accept.client_id)?.state, "conflict");
  assert.equal(items.get(arrive.client_id)?.state, "pending");
  assert.deepEqual(/** @type {any} */ (items.get(arrive.client_id))?.headers, { "If-Match": '"e1"' });
});

test("a photo leaves the device only when the server's sha256 matches", async () => {
  const { outbox, server, db } = await setup();
  const { photo } = await capture(outbox);
  await outbox.sync();
  assert.equal(server.evidence.size, 1);
  assert.deepEqual(await outbox.items(), []);
  assert.equal(await db.bytes(photo.client_id), null, "bytes deleted with the record");
});

test("a sha256 mismatch keeps the photo and its bytes, with an error to show", async () => {
  const { outbox, server, db } = await setup();
  const { photo, bytes } = await capture(outbox);
  server.next({ sha256: "0".repeat(64) }); // the server claims to hold other bytes
  await outbox.sync();
  const [kept] = await outbox.items();
  assert.equal(kept.client_id, photo.client_id);
  assert.equal(kept.state, "failed_permanent");
  assert.equal(kept.last_error?.code, "hash_mismatch");
  assert.deepEqual(new Uint8Array(/** @type {ArrayBuffer} */ (await db.bytes(photo.client_id))), new Uint8Array(bytes));
  await outbox.sync();
  assert.equal(server.requests.length, 1, "not retried blindly");
});

test("a lost answer is retried and the server's replay completes it: one record, none on the device", async () => {
  const { outbox, server, env } = await setup();
  await capture(outbox);
  server.next({ lose: "lost_response" });
  const first = await outbox.sync();
  assert.equal(server.evidence.size, 1, "the server has it");
  const [waiting] = await outbox.items();
  assert.equal(waiting.state, "pending");
  assert.equal(waiting.attempts, 1);
  assert.equal(waiting.last_error?.code, "network_error");
  assert.equal(first.wakeAt, NOW + 1000);

  env.now += 1000;
  await outbox.sync();
  assert.equal(server.evidence.size, 1, "the replay created nothing new");
  assert.deepEqual(await outbox.items(), []);
});

test("network errors back off; the `online` event and Sync now end the wait", async () => {
  const { outbox, server, env } = await setup();
  await capture(outbox);
  server.next({ fail: "network" }, { fail: "network" }, { fail: "network" });
  await outbox.sync();
  let [item] = await outbox.items();
  assert.equal(item.next_try_at, new Date(NOW + 1000).toISOString());
  await outbox.sync();
  assert.equal(server.script.length, 2, "not due yet: nothing sent");

  await outbox.sync({ force: "network" }); // connectivity came back
  [item] = await outbox.items();
  assert.equal(item.attempts, 2);
  assert.equal(item.next_try_at, new Date(NOW + 2000).toISOString(), "the step doubled");

  await outbox.sync({ force: "all" }); // a person pressed Sync now
  [item] = await outbox.items();
  assert.equal(item.attempts, 3);
  await outbox.sync({ force: "all" });
  assert.deepEqual(await outbox.items(), []);
});

test("offline, nothing is attempted; signed out, nothing is sent", async () => {
  const { outbox, server, env } = await setup();
  await capture(outbox);
  env.online = false;
  assert.equal((await outbox.sync()).stoppedBy, "offline");
  env.online = true;
  env.auth = null;
  assert.equal((await outbox.sync()).stoppedBy, "signed_out");
  assert.equal(server.requests.length, 0);
  assert.equal((await outbox.items()).length, 1);
});

test("401 pauses the queue and keeps everything, without counting an attempt", async () => {
  const { outbox, server, env } = await setup();
  await capture(outbox, { seed: 1 });
  await capture(outbox, { seed: 2 });
  server.next({ status: 401, body: { code: "unauthenticated", message: "Expired." } });
  const report = await outbox.sync();
  assert.equal(report.stoppedBy, "auth");
  assert.deepEqual(env.unauthorized, [401]);
  assert.equal(server.requests.length, 1, "the second photo was not tried with a dead token");
  const items = await outbox.items();
  assert.equal(items.length, 2);
  assert.ok(items.every((i) => i.state === "pending" && i.attempts === 0));

  env.auth = { token: "tok-new", userId: 7 }; // signed in again
  await outbox.sync();
  assert.equal(server.evidence.size, 2);
});

test("a conflict is parked for a person: never retried, discarded only on purpose", async () => {
  const { outbox, server } = await setup();
  const action = await outbox.enqueue(
    { method: "PATCH", url: "/notices/5", body: { state: "closed" }, headers: { "If-Match": '"v3"' } },
    { userId: 7 },
  );
  const later = await outbox.enqueue({ url: "/patrol/findings", body: {} }, { userId: 7 });
  server.next({ status: 412, body: { code: "precondition_failed", message: "Changed by someone else." } });
  await outbox.sync();
  assert.deepEqual(server.log, ["PATCH /api/v1/notices/5", "POST /api/v1/patrol/findings"], "the rest of the queue went on");
  assert.equal(server.requests[0].headers["If-Match"], '"v3"', "the edit says which version it was based on");
  await outbox.sync({ force: "all" });
  assert.equal(server.requests.length, 2, "Sync now does not resend a conflict");
  const [parked] = await outbox.items();
  assert.equal(parked.state, "conflict");
  assert.equal(await outbox.retry(action.client_id), false, "a conflict is not retried as it is");
  assert.equal(await outbox.discard(action.client_id), true);
  assert.deepEqual(await outbox.items(), []);
  assert.equal(await outbox.discard(later.client_id), false);
});

test("a refused item keeps the server's message; a person may retry or discard it", async () => {
  const { outbox, server } = await setup();
  const { photo } = await capture(outbox);
  server.next({ status: 422, body: { code: "invalid_input", message: "Unknown property.", details: { message_zh: "项目不存在。" } } });
  await outbox.sync();
  let [item] = await outbox.items();
  assert.equal(item.state, "failed_permanent");
  assert.equal(item.last_error?.message_zh, "项目不存在。");
  assert.equal(await outbox.discard("no-such-id"), false);

  assert.equal(await outbox.retry(photo.client_id), true);
  await outbox.sync();
  assert.deepEqual(await outbox.items(), []);
});

test("pending items cannot be discarded: only the server's acknowledgement removes them", async () => {
  const { outbox, env } = await setup();
  env.online = false;
  const { photo } = await capture(outbox);
  assert.equal(await outbox.discard(photo.client_id), false);
  assert.equal((await outbox.items()).length, 1);
});

test("a shared phone keeps one person's photos until that person signs in", async () => {
  const { outbox, server, env } = await setup();
  await capture(outbox, { owner: { userId: 7, userName: "王楼管" } });
  env.auth = { token: "tok-eng1", userId: 12 };
  await outbox.sync();
  assert.equal(server.requests.length, 0);
  env.auth = { token: "tok-fm1", userId: 7 };
  await outbox.sync();
  assert.equal(server.evidence.size, 1);
});

test("everything survives a reload: a new module instance on the same database sends it", async () => {
  const factory = new IDBFactory();
  const first = await setup({ factory });
  first.env.online = false;
  const { photo, sha256 } = await capture(first.outbox);
  await first.outbox.enqueue({ url: "/patrol/findings", body: {}, depends_on: [photo.client_id] }, { userId: 7 });
  // The page died in the middle of an upload: the record still says "sending".
  await first.db.update(photo.client_id, { state: "sending" });
  first.db.close();

  // Fresh module instances (a reload), same IndexedDB.
  const modules = {
    createOutbox: (await import("../../src/outbox/outbox.js?reload")).createOutbox,
    openOutboxDb: (await import("../../src/outbox/db.js?reload")).openOutboxDb,
  };
  assert.notEqual(modules.createOutbox, createOutbox);
  const second = await setup({ factory, modules });
  const items = await second.outbox.items();
  assert.equal(items.length, 2);
  assert.equal(/** @type {any} */ (items.find((i) => i.kind === "photo")).sha256, sha256);

  await second.outbox.sync();
  assert.deepEqual(second.server.log, ["POST /api/v1/evidence", "POST /api/v1/patrol/findings"]);
  assert.deepEqual(await second.outbox.items(), []);
});

test("heartbeats coalesce: only the newest is kept and sent", async () => {
  const { outbox, server, env } = await setup();
  env.online = false;
  for (const n of [1, 2, 3]) {
    env.now += 1000;
    await outbox.enqueue({ kind: "heartbeat", url: "/devices/heartbeat", body: { device_id: "d", outbox_count: n } });
  }
  const queued = await outbox.items();
  assert.equal(queued.length, 1);
  assert.deepEqual(/** @type {any} */ (queued[0]).body, { device_id: "d", outbox_count: 3 });

  env.online = true;
  await outbox.sync();
  assert.deepEqual(server.heartbeats, [{ device_id: "d", outbox_count: 3, client_id: queued[0].client_id }]);
  assert.equal(server.requests[0].headers["Idempotency-Key"], queued[0].client_id);
});

test("a heartbeat on the wire is not replaced; the next one follows it", async () => {
  const { outbox, db } = await setup();
  const first = await outbox.enqueue({ kind: "heartbeat", url: "/devices/heartbeat", body: { n: 1 } });
  await db.update(first.client_id, { state: "sending" });
  await outbox.enqueue({ kind: "heartbeat", url: "/devices/heartbeat", body: { n: 2 } });
  await outbox.enqueue({ kind: "heartbeat", url: "/devices/heartbeat", body: { n: 3 } });
  const bodies = (await outbox.items()).map((i) => /** @type {any} */ (i).body.n).sort();
  assert.deepEqual(bodies, [1, 3]);
});

test("a refused heartbeat is dropped, not parked (the next one replaces it)", async () => {
  const { outbox, server } = await setup();
  server.next({ status: 404, body: { code: "not_found", message: "No such endpoint." } });
  await outbox.enqueue({ kind: "heartbeat", url: "/devices/heartbeat", body: {}, id_in: "header" });
  await outbox.sync();
  assert.deepEqual(await outbox.items(), []);
});

test("upload progress is reported per photo and cleared at the end", async () => {
  const { outbox, env } = await setup();
  const { photo } = await capture(outbox);
  await outbox.sync();
  const mine = env.progress.filter(([id]) => id === photo.client_id).map(([, f]) => f);
  assert.deepEqual(mine, [0, 0.5, 1, null]);
});

test("a photo waiting for its position is held, then released", async () => {
  const { outbox, server } = await setup();
  const bytes = jpegBytes(9);
  const photo = await outbox.addPhoto(
    {
      mime: "image/jpeg",
      sha256: await sha256Hex(bytes),
      captured_at: "2026-11-23T09:30:00.000+08:00",
      lat: null,
      lon: null,
      accuracy: null,
      location_error: null,
      device_id: "dev-1",
      property_id: 1,
      context_type: "ad_hoc",
      context_id: null,
      note: null,
    },
    bytes,
    { owner: { userId: 7 }, holdMs: 12_000 },
  );
  assert.equal((await outbox.sync()).wakeAt, NOW + 12_000);
  assert.equal(server.requests.length, 0);
  await outbox.setLocation(photo.client_id, { error: "timeout" });
  await outbox.sync();
  assert.equal(server.evidence.size, 1);
  assert.equal(server.requests[0].body.latitude, undefined, "no position: the field is left out");
});
