// A photo as evidence: its hash, its times, the form the server receives, and the caption strip
// the server burns into the display copy. Pure functions except sha256Hex (SubtleCrypto).

/** @typedef {import("../types/outbox").PhotoItem} PhotoItem */

/**
 * Lowercase hex SHA-256 of the bytes exactly as captured. SubtleCrypto exists only in secure
 * contexts; on a plain-http LAN address a script implementation stands in, loaded only then.
 * @param {ArrayBuffer} bytes
 * @returns {Promise<string>}
 */
export async function sha256Hex(bytes) {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) return toHex(await subtle.digest("SHA-256", bytes));
  const { sha256 } = await import("./sha256.js");
  return toHex(sha256(new Uint8Array(bytes)));
}

/** @param {ArrayBuffer | Uint8Array} buffer */
export function toHex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The first 8 hex digits: what the caption strip shows and a person can compare by eye. */
export function shortHash(/** @type {string} */ sha256) {
  return sha256.slice(0, 8);
}

/**
 * A file's type from its first bytes, for files the browser labels "" (HEIC on some Androids).
 * @param {ArrayBuffer} bytes
 * @param {string} [declared] the File's own type, used when it is set
 */
export function photoMime(bytes, declared = "") {
  if (declared.startsWith("image/")) return declared;
  const b = new Uint8Array(bytes, 0, Math.min(12, bytes.byteLength));
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "image/png";
  const ascii = String.fromCharCode(...b);
  if (ascii.slice(4, 8) === "ftyp" && /^(heic|heix|heim|heis|hevc|hevx|mif1)$/.test(ascii.slice(8, 12))) return "image/heic";
  return "application/octet-stream";
}

/**
 * Device time as ISO 8601 with its UTC offset ("2026-11-23T09:30:05.120+08:00"): the contract's
 * captured_at keeps both the instant and the wall-clock time the person saw.
 * @param {Date} date
 * @param {number} [offsetMinutes] minutes east of UTC (default: this device's, at that date)
 */
export function isoWithOffset(date, offsetMinutes = -date.getTimezoneOffset()) {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${local.toISOString().slice(0, 23)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * The multipart fields of POST /api/v1/evidence, except the file (transport.js adds it last).
 * Optional fields are left out rather than sent empty, so the server's defaults apply.
 * @param {PhotoItem} photo
 * @returns {[string, string][]}
 */
export function formFields(photo) {
  /** @type {[string, string | number | null | undefined][]} */
  const fields = [
    ["client_id", photo.client_id],
    ["sha256", photo.sha256],
    ["property_id", photo.property_id],
    ["context_type", photo.context_type],
    ["context_id", photo.context_id],
    ["captured_at", photo.captured_at],
    ["device_id", photo.device_id],
    ["latitude", photo.lat],
    ["longitude", photo.lon],
    ["accuracy_m", photo.accuracy],
    ["note", photo.note],
  ];
  return fields
    .filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([name, value]) => [name, String(value)]);
}

/**
 * The caption strip as the preview shows it: where, when (device wall-clock time, as captured),
 * who, and the short hash. The server burns its own from the same facts; this is the promise to
 * the person of what the record will say.
 * @param {{ place: string, capturedAt: string, person: string, sha256: string }} facts
 * @returns {string[]}
 */
export function stripLines({ place, capturedAt, person, sha256 }) {
  const when = capturedAt.slice(0, 16).replace("T", " ");
  return [place, `${when}  ${person}`.trim(), `SHA-256 ${shortHash(sha256)}`].filter(Boolean);
}
