// Why an item is still on the phone, in words a floor manager acts on ("no signal, it will go by
// itself" vs "sign in again" vs "someone changed this, check it"), chosen from the item's state,
// its last error and what the phone knows now. Pure: returns a message key for t().
import { belongsTo } from "./policy.js";

/** @typedef {import("../types/outbox").OutboxItem} OutboxItem */
/** @typedef {import("../i18n.js").MessageKey} MessageKey */

/**
 * @typedef {object} Explanation
 * @property {MessageKey} key
 * @property {Record<string, string | number>} [params]
 * @property {boolean} [serverWords] the server's own message goes into {message}
 * @property {"info" | "wait" | "action"} tone info: it will go by itself; action: a person must act
 */

/**
 * @param {OutboxItem} item
 * @param {{ online: boolean, owner: string | number | null, now: number, present: ReadonlySet<string> }} context
 * @returns {Explanation | null} null while it is being sent (the progress bar speaks)
 */
export function explain(item, { online, owner, now, present }) {
  const error = item.last_error;
  if (item.state === "conflict") return { key: "outbox.reason.conflict", tone: "action" };
  if (item.state === "failed_permanent") {
    if (error?.code === "hash_mismatch") return { key: "outbox.reason.hashMismatch", tone: "action" };
    return { key: "outbox.reason.refused", serverWords: true, tone: "action" };
  }
  if (item.state === "sending") return null;
  if (!belongsTo(item, owner)) {
    return { key: "outbox.reason.otherUser", params: { name: item.user_name || String(item.user_id) }, tone: "wait" };
  }
  if (error?.status === 401) return { key: "outbox.reason.auth", tone: "action" };
  if (!online) return { key: "outbox.reason.offline", tone: "wait" };
  if ((item.depends_on ?? []).some((id) => present.has(id))) return { key: "outbox.reason.dependency", tone: "wait" };
  if (!error) {
    const held = item.next_try_at !== null && Date.parse(item.next_try_at) > now;
    return { key: held && item.kind === "photo" ? "outbox.reason.locating" : "outbox.reason.waiting", tone: "info" };
  }
  if (error.status === 0) return { key: error.code === "timeout" ? "outbox.reason.timeout" : "outbox.reason.network", tone: "wait" };
  if (error.status === 503) return { key: "outbox.reason.storage", tone: "wait" };
  if (error.status === 429) return { key: "outbox.reason.busy", tone: "wait" };
  if (error.status >= 500) return { key: "outbox.reason.server", tone: "wait" };
  return { key: "outbox.reason.network", tone: "wait" }; // 408, 425: the request did not get through
}
