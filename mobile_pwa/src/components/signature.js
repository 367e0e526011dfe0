// A signature (notice acknowledgement, spot checks, handover, return visits) drawn with a finger.
// The drawing is signature_pad's (smooth variable-width strokes from pointer events); this
// component sizes the canvas for the screen's pixel density, offers undo and clear, and hands
// the parent a trimmed PNG data URL (≤ MAX_SIGNATURE_BYTES) after every stroke, or null when empty.
// The library is imported when a pad is first shown, so screens without one never load it.
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { MAX_SIGNATURE_BYTES, dataUrlBytes, inkBounds, padBox } from "./signature-image.js";

/** @typedef {import("signature_pad").default} SignaturePadType */

/**
 * The ink of `canvas` cut to its bounds (plus a margin) as a PNG data URL, scaled down until it
 * fits MAX_SIGNATURE_BYTES; null when the canvas holds no ink.
 * @param {HTMLCanvasElement} canvas
 * @returns {string | null}
 */
export function trimmedPng(canvas) {
  const context = canvas.getContext("2d");
  if (!context) return null;
  const bounds = inkBounds(context.getImageData(0, 0, canvas.width, canvas.height));
  if (!bounds) return null;
  const box = padBox(bounds, 8, canvas.width, canvas.height);
  // A signature is a line drawing: a few hundred pixels wide is legible on paper and the PNG
  // stays small; the loop is a guard for pathological scribbles.
  for (let scale = Math.min(1, 800 / box.width); ; scale *= 0.7) {
    const out = document.createElement("canvas");
    out.width = Math.max(1, Math.round(box.width * scale));
    out.height = Math.max(1, Math.round(box.height * scale));
    out.getContext("2d")?.drawImage(canvas, box.x, box.y, box.width, box.height, 0, 0, out.width, out.height);
    const url = out.toDataURL("image/png");
    if (dataUrlBytes(url) <= MAX_SIGNATURE_BYTES || out.width <= 50) return url;
  }
}

/**
 * @typedef {object} SignatureProps
 * @property {(png: string | null) => void} onChange a trimmed PNG data URL, or null when empty
 * @property {string} [label] what signing means here ("借用人签名")
 */

/** @param {SignatureProps} props */
export function SignaturePad({ onChange, label }) {
  const canvasRef = useRef(/** @type {HTMLCanvasElement | null} */ (null));
  const padRef = useRef(/** @type {SignaturePadType | null} */ (null));
  const [strokes, setStrokes] = useState(0);
  const [failed, setFailed] = useState(false);
  // True once the library is attached: tests (and a screen going offline) can wait for it.
  const [ready, setReady] = useState(false);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    let disposed = false;
    /** @type {(() => void) | null} */
    let cleanup = null;
    import("signature_pad").then(
      ({ default: Pad }) => {
        const canvas = canvasRef.current;
        if (disposed || !canvas) return;
        // Transparent background (so trimming finds the ink) and a near-black pen: legible when
        // printed and in the bright light people sign in.
        const pad = new Pad(canvas, { penColor: "#111418", minWidth: 1, maxWidth: 3.2 });
        padRef.current = pad;
        const report = () => {
          setStrokes(pad.toData().length);
          changed.current(pad.isEmpty() ? null : trimmedPng(canvas));
        };
        // The backing store must match the CSS size × pixel density or strokes land off the
        // finger and look blurred; strokes are kept as points and redrawn at the new size.
        const fit = () => {
          const ratio = Math.max(window.devicePixelRatio || 1, 1);
          const data = pad.toData();
          canvas.width = Math.round(canvas.offsetWidth * ratio);
          canvas.height = Math.round(canvas.offsetHeight * ratio);
          canvas.getContext("2d")?.scale(ratio, ratio);
          pad.clear();
          pad.fromData(data);
        };
        fit();
        pad.addEventListener("endStroke", report);
        setReady(true);
        window.addEventListener("resize", fit);
        cleanup = () => {
          window.removeEventListener("resize", fit);
          pad.removeEventListener("endStroke", report);
          pad.off();
        };
      },
      () => setFailed(true),
    );
    return () => {
      disposed = true;
      cleanup?.();
    };
  }, []);

  function undo() {
    const pad = padRef.current;
    if (!pad) return;
    const data = pad.toData();
    data.pop();
    pad.fromData(data); // fromData clears first by default
    setStrokes(data.length);
    onChange(data.length === 0 || !canvasRef.current ? null : trimmedPng(canvasRef.current));
  }

  function clear() {
    padRef.current?.clear();
    setStrokes(0);
    onChange(null);
  }

  return html`
    <div class="signature" data-testid="signature">
      ${label && html`<p class="field__label">${label}</p>`}
      ${failed
        ? html`<p class="notice notice--warn" role="alert">${t("error.network_error")}</p>`
        : html`<canvas
            class="signature__canvas"
            ref=${canvasRef}
            aria-label=${t("signature.canvas")}
            data-ready=${ready ? "true" : "false"}
            data-testid="signature-canvas"
          ></canvas>`}
      <p class="signature__hint">${t("signature.hint")}</p>
      <div class="signature__actions">
        <button type="button" class="btn btn--ghost" disabled=${strokes === 0} onClick=${undo} data-testid="signature-undo">
          ${t("signature.undo")}
        </button>
        <button type="button" class="btn btn--ghost" disabled=${strokes === 0} onClick=${clear} data-testid="signature-clear">
          ${t("signature.clear")}
        </button>
      </div>
    </div>
  `;
}
