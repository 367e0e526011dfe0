// Records of the outbox as stored in IndexedDB (database "xj-outbox", see src/outbox/db.js).
// Times are ISO 8601 strings so a record reads the same in devtools as in the code.
import type { EvidenceContextType } from "./contract";

export type ItemState = "pending" | "sending" | "conflict" | "failed_permanent";

/** The last refusal or failure, in the server's words when it spoke (status 0: it did not). */
export interface StoredError {
  status: number;
  code: string;
  message: string;
  message_zh?: string;
}

interface ItemBase {
  /** uuid v4, made on the device; sent with every try so a replay is recognised. */
  client_id: string;
  /** Place in the queue, from a counter in the same transaction as the add (db.js nextSeq). */
  seq?: number;
  created_at: string;
  attempts: number;
  last_error: StoredError | null;
  last_error_at: string | null;
  /** Not before this time (backoff, Retry-After, or a photo waiting for its position). */
  next_try_at: string | null;
  state: ItemState;
  /** client_ids of items that must be acknowledged first. */
  depends_on?: string[];
  /** Who captured it (null: anyone's session may send it, e.g. the heartbeat). */
  user_id: string | number | null;
  user_name?: string | null;
}

/** A queued JSON API call. */
export interface ActionItem extends ItemBase {
  kind: "json" | "heartbeat";
  method: string;
  /** below /api/v1 */
  url: string;
  body: unknown;
  /** Extra request headers, e.g. If-Match with the ETag the edit was based on. */
  headers?: Record<string, string>;
  /** client_id of an earlier action on the same record (also in depends_on): when the server
   *  acknowledges it, the `etag` of its answer becomes this item's If-Match. A transition queued
   *  offline behind another cannot know the version the first will make; the server tells. */
  if_match_from?: string;
  /** Where client_id travels: inside the JSON body, or only as Idempotency-Key (for bodies whose
   *  schema has no client_id field; the server rejects unknown fields). */
  id_in: "body" | "header";
  /** A short description for the outbox screen. */
  label?: string;
}

/** A photo's record. Its bytes live in the "photo_bytes" store under the same client_id. */
export interface PhotoItem extends ItemBase {
  kind: "photo";
  mime: string;
  size: number;
  /** lowercase hex of the original bytes, computed at capture */
  sha256: string;
  /** device time with its UTC offset */
  captured_at: string;
  lat: number | null;
  lon: number | null;
  accuracy: number | null;
  /** why there is no position: "denied" | "unavailable" | "timeout" | "unsupported" */
  location_error: string | null;
  device_id: string;
  property_id: number;
  property_name?: string | null;
  context_type: EvidenceContextType;
  context_id: string | null;
  note: string | null;
  /** 0..1; live progress is kept in memory, the record holds 0 */
  progress: number;
}

export type OutboxItem = ActionItem | PhotoItem;

export interface PhotoBytes {
  client_id: string;
  /** ArrayBuffer, not Blob: Safari has lost Blobs stored in IndexedDB. */
  bytes: ArrayBuffer;
}

/** One finished try, however it ended. */
export interface Outcome {
  /** HTTP status; 0 when no answer arrived (offline, connection reset, timeout). */
  status: number;
  code: string;
  message: string;
  details: Record<string, unknown>;
  body: unknown;
  /** seconds */
  retryAfter: number | null;
  /** the server answered a replay of an earlier request (header Idempotent-Replay: true) */
  replay: boolean;
}

export interface Verdict {
  action: "done" | "retry" | "auth" | "conflict" | "permanent";
  patch: Partial<Pick<ItemBase, "state" | "attempts" | "last_error" | "last_error_at" | "next_try_at">>;
}

export interface KindPolicy {
  /** first-in first-out with the other ordered items */
  ordered: boolean;
  /** shown and counted (the badge, the heartbeat's outbox_count) */
  visible: boolean;
  /** a new one replaces the older ones */
  coalesce: boolean;
  /** refused (4xx) → deleted instead of parked for a person */
  dropWhenRefused: boolean;
}
