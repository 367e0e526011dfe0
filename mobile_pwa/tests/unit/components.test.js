// The pure parts of the signature pad, the scanner and the role panels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_SIGNATURE_BYTES, dataUrlBytes, inkBounds, padBox } from "../../src/components/signature-image.js";
import { ndefText } from "../../src/components/scanner-decode.js";

test("inkBounds finds the drawn pixels and null on a blank canvas", () => {
  const width = 10, height = 8;
  const data = new Uint8ClampedArray(width * height * 4);
  assert.equal(inkBounds({ data, width, height }), null);
  for (const [x, y] of [[2, 3], [7, 5]]) data[(y * width + x) * 4 + 3] = 255;
  assert.deepEqual(inkBounds({ data, width, height }), { x: 2, y: 3, width: 6, height: 3 });
});

test("padBox grows the box but stays inside the canvas", () => {
  assert.deepEqual(padBox({ x: 2, y: 3, width: 6, height: 3 }, 4, 10, 8), { x: 0, y: 0, width: 10, height: 8 });
  assert.deepEqual(padBox({ x: 20, y: 20, width: 10, height: 10 }, 5, 100, 100), { x: 15, y: 15, width: 20, height: 20 });
});

test("dataUrlBytes is the decoded size, padding included", () => {
  assert.equal(dataUrlBytes(`data:image/png;base64,${Buffer.from("abcd").toString("base64")}`), 4);
  assert.equal(dataUrlBytes(`data:image/png;base64,${Buffer.from("abcde").toString("base64")}`), 5);
  assert.equal(dataUrlBytes(`data:image/png;base64,${Buffer.from("abcdef").toString("base64")}`), 6);
  assert.equal(MAX_SIGNATURE_BYTES, 204800);
});

test("ndefText reads the first text or URL record, else the tag's serial number", () => {
  const data = (/** @type {string} */ s) => new DataView(new TextEncoder().encode(s).buffer);
  assert.equal(ndefText({ message: { records: [{ recordType: "mime", data: data("x") }, { recordType: "text", encoding: "utf-8", data: data(" CP-01 ") }] } }), "CP-01");
  assert.equal(ndefText({ message: { records: [{ recordType: "url", data: data("https://x/c/abc") }] } }), "https://x/c/abc");
  assert.equal(ndefText({ serialNumber: "04:a2:b3", message: { records: [] } }), "04:a2:b3");
  assert.equal(ndefText({}), null);
});

test("loanEtag names the loan the way the server's ETag does", async () => {
  const { loanEtag } = await import("../../src/screens/roles/night-duty.js");
  assert.equal(loanEtag({ id: 7, version: 2 }), '"loans-7-v2"');
});

test("runsToday: routes without windows always; with windows by ISO weekday", async () => {
  const { runsToday, today } = await import("../../src/screens/roles/floor-manager.js");
  const sunday = new Date(2026, 10, 22, 9, 0);
  assert.equal(today(sunday), "2026-11-22");
  assert.equal(runsToday({ windows: [] }, sunday), true);
  assert.equal(runsToday({ windows: [{ start: "08:00", end: "09:00", weekdays: [7] }] }, sunday), true);
  assert.equal(runsToday({ windows: [{ start: "08:00", end: "09:00", weekdays: [1, 2, 3, 4, 5] }] }, sunday), false);
});

test("checkinFor: a typed stop code is a GPS check-in at that stop; QR/NFC/other text as scanned", async () => {
  const { checkinFor } = await import("../../src/screens/patrol-run.js");
  const stops = [{ checkpoint_id: 4, code: "B15-3F-E" }];
  assert.deepEqual(checkinFor("b15-3f-e", "typed", stops), { kind: "gps", checkpoint_id: 4 });
  assert.deepEqual(checkinFor("tok123", "typed", stops), { kind: "qr", body: { qr_token: "tok123" } });
  assert.deepEqual(checkinFor("B15-3F-E", "qr", stops), { kind: "qr", body: { qr_token: "B15-3F-E" } });
  assert.deepEqual(checkinFor("04:a2", "nfc", stops), { kind: "nfc", body: { nfc_tag_id: "04:a2" } });
});

test("work orders sort by priority, then completion deadline", async () => {
  const { byUrgency } = await import("../../src/screens/roles/work-orders.js");
  const orders = [
    { id: 1, priority: "normal", completion_due_at: "2026-11-22T10:00:00Z" },
    { id: 2, priority: "urgent", completion_due_at: null },
    { id: 3, priority: "normal", completion_due_at: "2026-11-22T08:00:00Z" },
    { id: 4, priority: "low", completion_due_at: "2026-11-21T08:00:00Z" },
  ];
  assert.deepEqual(orders.sort(byUrgency).map((o) => o.id), [2, 3, 1, 4]);
});
