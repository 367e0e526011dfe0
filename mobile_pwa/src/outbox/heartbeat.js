// The device heartbeat: every 5 minutes while the app is open and after each sync, the phone tells
// the server what it still holds, so a supervisor can see un-uploaded evidence (and a flat battery
// or a full phone) before a shift handover rather than after. Queued like any action, but only the
// newest is kept (policy.KINDS.heartbeat).
import { countsOf } from "./policy.js";

/** @typedef {import("../types/contract").Heartbeat} Heartbeat */
/** @typedef {import("../types/contract").PendingPhoto} PendingPhoto */
/** @typedef {import("../types/outbox").OutboxItem} OutboxItem */
/** @typedef {import("../types/outbox").PhotoItem} PhotoItem */

export const HEARTBEAT_URL = "/devices/heartbeat";
export const HEARTBEAT_INTERVAL_MS = 5 * 60_000;
// The server's limits (schema Heartbeat): at most 500 listed photos, app_version ≤ 40 characters.
const MAX_LISTED_PHOTOS = 500;
const MAX_VERSION_LENGTH = 40;

/**
 * @param {{ deviceId: string, items: readonly OutboxItem[], appVersion: string,
 *   battery: number | null, storageFree: number | null }} facts
 * @returns {Heartbeat}
 */
export function buildHeartbeat({ deviceId, items, appVersion, battery, storageFree }) {
  const counts = countsOf(items);
  // The handover check (GET /devices/{id}/pending) lists these by name: oldest first, as many as
  // the server takes; the count above stays exact beyond that.
  const photos = /** @type {PhotoItem[]} */ (items.filter((i) => i.kind === "photo"))
    .sort((a, b) => (a.created_at < b.created_at ? -1 : 1))
    .slice(0, MAX_LISTED_PHOTOS);
  return {
    device_id: deviceId,
    outbox_count: counts.total,
    pending_photo_count: counts.photos,
    oldest_pending_at: counts.oldest,
    battery_level: battery,
    storage_free_bytes: storageFree === null ? null : Math.floor(storageFree),
    app_version: appVersion.slice(0, MAX_VERSION_LENGTH),
    pending_photos: photos.map(
      (p) => /** @type {PendingPhoto} */ ({
        client_id: p.client_id,
        captured_at: p.captured_at,
        context_type: p.context_type,
        context_id: p.context_id,
      }),
    ),
  };
}

/**
 * Battery (0..1) and free storage, each null where the browser does not say: getBattery is
 * Chromium-only, and storage.estimate is a quota for this site rather than the disk's free space,
 * which is still the number that decides whether the next photo fits.
 * @param {Navigator | undefined} [nav]
 */
export async function deviceFacts(nav = globalThis.navigator) {
  /** @type {number | null} */
  let battery = null;
  /** @type {number | null} */
  let storageFree = null;
  try {
    const manager = await /** @type {{ getBattery?: () => Promise<{ level: number }> }} */ (nav)?.getBattery?.();
    if (manager && Number.isFinite(manager.level)) battery = Math.min(1, Math.max(0, manager.level));
  } catch {
    // Not allowed here (e.g. a permissions policy): unknown.
  }
  try {
    const estimate = await nav?.storage?.estimate?.();
    if (estimate?.quota != null && estimate.usage != null) storageFree = Math.max(0, estimate.quota - estimate.usage);
  } catch {
    // Unknown.
  }
  return { battery, storageFree };
}
