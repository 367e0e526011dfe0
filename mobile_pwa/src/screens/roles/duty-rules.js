// The pure rules of the night-duty screens (spot check, handover) and of the rectification
// notice: what a form must hold before it is queued, the body it becomes, and the server's ETags
// rebuilt from a listed version. No browser globals, so node's test runner checks them.

/** @typedef {import("../../types/contract").SpotCheckCreate} SpotCheckCreate */
/** @typedef {import("../../types/contract").HandoverCreate} HandoverCreate */
/** @typedef {import("../../types/contract").HandoverItem} HandoverItem */
/** @typedef {import("../../types/contract").Handover} Handover */
/** @typedef {SpotCheckCreate["status"]} GuardStatus */

export { GUARD_STATUSES, HANDOVER_KINDS } from "../../api-enums.js";

/**
 * @typedef {object} SpotCheckForm
 * @property {string} post
 * @property {"account" | "name"} guardBy
 * @property {string} guard the account number or the name, as typed
 * @property {GuardStatus | null} status
 * @property {string} remarks
 * @property {string[]} photos client ids of the photos taken on this screen
 * @property {string | null} checkerSignature PNG data URL
 * @property {string | null} guardSignature PNG data URL
 */

/**
 * What is missing, as message-key suffixes (`spot.missing.<x>`), in the form's order. An absent
 * guard cannot sign, and "other" needs remarks saying what was found.
 * @param {SpotCheckForm} form
 * @returns {("post" | "guard" | "status" | "remarks" | "checkerSignature" | "guardSignature")[]}
 */
export function spotCheckProblems(form) {
  /** @type {ReturnType<typeof spotCheckProblems>} */
  const missing = [];
  if (!form.post.trim()) missing.push("post");
  const guard = form.guard.trim();
  if (form.guardBy === "account" ? !/^[1-9]\d{0,9}$/.test(guard) : !guard) missing.push("guard");
  if (!form.status) missing.push("status");
  if (form.status === "other" && !form.remarks.trim()) missing.push("remarks");
  if (!form.checkerSignature) missing.push("checkerSignature");
  if (form.status !== "absent" && !form.guardSignature) missing.push("guardSignature");
  return missing;
}

/**
 * The body of POST /patrol/properties/{pid}/spot-checks (client_id is added by the outbox).
 * @param {SpotCheckForm} form
 * @param {string} checkedAt the phone's time, ISO with offset
 * @returns {Omit<SpotCheckCreate, "client_id">}
 */
export function spotCheckBody(form, checkedAt) {
  const guard = form.guard.trim();
  return {
    post: form.post.trim(),
    guard_user_id: form.guardBy === "account" ? Number(guard) : null,
    guard_name: form.guardBy === "name" ? guard : "",
    status: form.status ?? "other",
    remarks: form.remarks.trim(),
    photo_client_ids: form.photos,
    checker_signature: form.checkerSignature ?? "",
    guard_signature: form.status === "absent" ? null : form.guardSignature,
    checked_at: checkedAt,
  };
}

/**
 * @typedef {object} HandoverForm
 * @property {string} incoming account number of the person taking over
 * @property {string} shift
 * @property {{ kind: NonNullable<HandoverItem["kind"]>, count: string, description: string }[]} items
 * @property {string} matters one open matter per line
 */

/**
 * @param {HandoverForm} form
 * @param {number | null} me the outgoing person (the one signed in)
 * @returns {("incoming" | "self" | "count")[]}
 */
export function handoverProblems(form, me) {
  /** @type {ReturnType<typeof handoverProblems>} */
  const missing = [];
  const incoming = form.incoming.trim();
  if (!/^[1-9]\d{0,9}$/.test(incoming)) missing.push("incoming");
  else if (Number(incoming) === me) missing.push("self");
  if (form.items.some((i) => !/^[1-9]\d{0,5}$/.test(i.count.trim()))) missing.push("count");
  return missing;
}

/**
 * The body of POST /patrol/properties/{pid}/handovers: this phone is the outgoing device, so the
 * server's handover check looks at this phone's un-uploaded photos.
 * @param {HandoverForm} form
 * @param {number} me
 * @param {string} deviceId
 * @returns {Omit<HandoverCreate, "client_id">}
 */
export function handoverBody(form, me, deviceId) {
  return {
    outgoing_user_id: me,
    incoming_user_id: Number(form.incoming.trim()),
    shift: form.shift.trim(),
    items: form.items.map((i) => ({ kind: i.kind, count: Number(i.count.trim()), description: i.description.trim() })),
    open_matters: form.matters
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean),
    outgoing_device_id: deviceId,
  };
}

/**
 * What the signed-in person can do with a handover: confirm as outgoing (first), confirm as
 * incoming (after the outgoing one), wait for the other, or nothing (completed / not a party).
 * @param {Pick<Handover, "state" | "outgoing_user_id" | "incoming_user_id">} handover
 * @param {number | null} me
 * @returns {"confirm_outgoing" | "confirm_incoming" | "wait_outgoing" | "wait_incoming" | null}
 */
export function handoverStep(handover, me) {
  const outgoing = handover.outgoing_user_id === me;
  const incoming = handover.incoming_user_id === me;
  if (handover.state === "draft") return outgoing ? "confirm_outgoing" : incoming ? "wait_outgoing" : null;
  if (handover.state === "outgoing_confirmed") return incoming ? "confirm_incoming" : outgoing ? "wait_incoming" : null;
  return null;
}

/**
 * The server's ETag (web/conditional.py: table, id, version) for a record listed with its version.
 * @param {"patrol_handovers" | "renovation_notices"} table
 * @param {{ id?: number, version?: number }} record
 */
export function etagOf(table, record) {
  return `"${table}-${record.id}-v${record.version}"`;
}

/**
 * @typedef {object} AckForm
 * @property {"signed" | "refused"} outcome
 * @property {"owner" | "contractor"} role
 * @property {string} name
 * @property {string | null} signature
 * @property {string[]} photos photos of the notice as posted (refused)
 * @property {string} note
 */

/**
 * @param {AckForm} form
 * @returns {("name" | "signature" | "photo")[]}
 */
export function ackProblems(form) {
  /** @type {ReturnType<typeof ackProblems>} */
  const missing = [];
  if (form.outcome === "signed") {
    if (!form.name.trim()) missing.push("name");
    if (!form.signature) missing.push("signature");
  } else if (form.photos.length === 0) {
    missing.push("photo");
  }
  return missing;
}

/**
 * The body of POST /renovation/notices/{id}/acknowledge.
 * @param {AckForm} form
 * @param {string} at
 * @returns {import("../../types/contract").Acknowledge}
 */
export function ackBody(form, at) {
  const signed = form.outcome === "signed";
  return {
    outcome: form.outcome,
    signer_role: form.role,
    signer_name: form.name.trim(),
    signature: signed ? form.signature : null,
    refusal_photo_client_id: signed ? null : form.photos[form.photos.length - 1] ?? null,
    note: form.note.trim(),
    at,
  };
}
