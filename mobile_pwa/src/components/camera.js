// Taking a photo as evidence. The phone's own camera app is opened by a file input (capture =
// the rear camera); the file it returns is stored byte for byte — no canvas re-encode, which would
// drop EXIF and change the hash. In order: hash the bytes, store photo and hash in the outbox
// (IndexedDB) at once, then add the position when it arrives (up to ~10 s; the photo is never
// held hostage to GPS), and show the caption strip the server will burn into its display copy.
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { loadOutbox } from "../outbox-status.js";
import { isoWithOffset, photoMime, sha256Hex, stripLines } from "../outbox/photo.js";

/** @typedef {import("../types/contract").EvidenceContextType} EvidenceContextType */
/** @typedef {import("../types/outbox").PhotoItem} PhotoItem */
/** @typedef {{ lat: number, lon: number, accuracy: number | null } | { error: string }} Fix */

export const LOCATION_TIMEOUT_MS = 10_000;
// If the page dies while the position is still coming, the photo goes without it after this.
const LOCATION_HOLD_MS = LOCATION_TIMEOUT_MS + 3_000;

/**
 * The current position, or why there is none. Never rejects, and always settles: a permission
 * prompt that is ignored calls neither callback in some browsers, hence the second timer.
 * @param {number} [timeoutMs]
 * @returns {Promise<Fix>}
 */
export function locate(timeoutMs = LOCATION_TIMEOUT_MS) {
  return new Promise((resolve) => {
    const geo = globalThis.navigator?.geolocation;
    if (!geo) return resolve({ error: "unsupported" });
    const guard = setTimeout(() => resolve({ error: "timeout" }), timeoutMs + 2_000);
    geo.getCurrentPosition(
      (position) => {
        clearTimeout(guard);
        const { latitude, longitude, accuracy } = position.coords;
        resolve({ lat: latitude, lon: longitude, accuracy: Number.isFinite(accuracy) ? Math.round(accuracy * 10) / 10 : null });
      },
      (error) => {
        clearTimeout(guard);
        resolve({ error: error.code === error.PERMISSION_DENIED ? "denied" : error.code === error.TIMEOUT ? "timeout" : "unavailable" });
      },
      // A fix from the last 30 s is as good as a new one for "where was this taken", and instant.
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 30_000 },
    );
  });
}

/**
 * @typedef {object} CameraProps
 * @property {number} propertyId
 * @property {string} propertyName
 * @property {EvidenceContextType} contextType
 * @property {string | null} [contextId]
 * @property {string | null} [note]
 * @property {{ id: string | number | null, name: string }} person who takes it (owner of the record)
 * @property {(photo: PhotoItem) => void} [onSaved]
 */

/** @param {CameraProps} props */
export function Camera({ propertyId, propertyName, contextType, contextId = null, note = null, person, onSaved }) {
  /** @type {[{ url: string, lines: string[] } | null, (v: { url: string, lines: string[] } | null) => void]} */
  const [preview, setPreview] = useState(/** @type {{ url: string, lines: string[] } | null} */ (null));
  const [phase, setPhase] = useState(/** @type {"idle" | "saving" | "saved"} */ ("idle"));
  const [fix, setFix] = useState(/** @type {Fix | null} */ (null));
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const urlRef = useRef(/** @type {string | null} */ (null));

  useEffect(() => () => void (urlRef.current && URL.revokeObjectURL(urlRef.current)), []);

  /** @param {Event} event */
  async function taken(event) {
    const input = /** @type {HTMLInputElement} */ (event.currentTarget);
    const file = input.files?.[0];
    input.value = ""; // the same file chosen again must fire change again
    if (!file) return;
    const position = locate(); // start at once: it runs while the bytes are hashed and stored
    setPhase("saving");
    setError(null);
    setFix(null);
    try {
      const capturedAt = isoWithOffset(new Date());
      const [runtime, bytes] = await Promise.all([loadOutbox(), file.arrayBuffer()]);
      const sha256 = await sha256Hex(bytes);
      const photo = await runtime.outbox.addPhoto(
        {
          mime: photoMime(bytes, file.type),
          sha256,
          captured_at: capturedAt,
          lat: null,
          lon: null,
          accuracy: null,
          location_error: null,
          device_id: runtime.deviceId,
          property_id: propertyId,
          property_name: propertyName,
          context_type: contextType,
          context_id: contextId,
          note: note?.trim() || null,
        },
        bytes,
        { owner: { userId: person.id, userName: person.name }, holdMs: LOCATION_HOLD_MS },
      );
      if (urlRef.current) URL.revokeObjectURL(urlRef.current);
      urlRef.current = URL.createObjectURL(file);
      const place = `${propertyName} · ${t(/** @type {import("../i18n.js").MessageKey} */ (`context.${contextType}`))}`;
      setPreview({ url: urlRef.current, lines: stripLines({ place, capturedAt, person: person.name, sha256 }) });
      setPhase("saved");
      onSaved?.(photo);
      void runtime.requestPersist(); // close to a user gesture: Firefox asks the person
      const found = await position;
      setFix(found);
      await runtime.outbox.setLocation(photo.client_id, found);
      void runtime.sync();
    } catch (err) {
      // Nothing was stored (IndexedDB refused: quota, private mode): say so plainly, the person
      // still has the photo in the camera app and can try again.
      setPhase("idle");
      setError(t("camera.failed", { message: err instanceof Error ? err.message : String(err) }));
    }
  }

  return html`
    <div class="camera">
      ${preview &&
      html`<figure class="capture" data-testid="capture-preview">
        <div class="capture__frame">
          <img class="capture__image" src=${preview.url} alt=${t("camera.previewAlt")} />
          <figcaption class="capture__strip">${preview.lines.map((line) => html`<span key=${line}>${line}</span>`)}</figcaption>
        </div>
      </figure>`}
      ${phase === "saved" && html`<p class="notice" role="status" data-testid="capture-saved">${t("camera.saved")}</p>`}
      ${phase === "saved" && html`<p class=${fix && "error" in fix ? "notice notice--warn" : "capture__meta"} data-testid="capture-location">
        ${!fix
          ? t("camera.locating")
          : "error" in fix
            ? t("camera.noLocation", { reason: t(/** @type {import("../i18n.js").MessageKey} */ (`camera.reason.${fix.error}`)) })
            : t("camera.located", { meters: fix.accuracy === null ? "?" : Math.round(fix.accuracy) })}
      </p>`}
      ${error && html`<p class="form__error" role="alert">${error}</p>`}
      <label class=${`btn btn--primary btn--block camera__take${phase === "saving" ? " is-busy" : ""}`}>
        <input
          class="visually-hidden"
          type="file"
          accept="image/*"
          capture="environment"
          data-testid="camera-input"
          disabled=${phase === "saving"}
          onChange=${taken}
        />
        ${phase === "saving" ? t("camera.saving") : phase === "saved" ? t("camera.takeAnother") : t("camera.take")}
      </label>
    </div>
  `;
}
