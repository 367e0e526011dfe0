// Turning what a camera frame or an NFC tag holds into a checkpoint code. Separate from the
// component so the choice of decoder and the NDEF parsing are plain functions.

/** @typedef {(source: HTMLCanvasElement) => Promise<string | null>} FrameDecoder */

/**
 * The best decoder this browser has: the platform's BarcodeDetector (Chrome on Android, fast,
 * off the main thread) when it knows QR codes, else jsQR (vendored; loaded only now — 58 KB
 * gzipped that most Android phones never fetch).
 * @returns {Promise<FrameDecoder>}
 */
export async function frameDecoder() {
  const Detector = /** @type {any} */ (globalThis).BarcodeDetector;
  if (typeof Detector === "function") {
    try {
      const formats = await Detector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new Detector({ formats: ["qr_code"] });
        return async (canvas) => {
          const found = await detector.detect(canvas);
          return found.length > 0 ? String(found[0].rawValue) : null;
        };
      }
    } catch {
      // Declared but unusable (desktop Chrome on Linux): fall through to jsQR.
    }
  }
  const { default: jsQR } = await import("jsqr");
  return async (canvas) => {
    const context = canvas.getContext("2d", { willReadFrequently: true });
    if (!context) return null;
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    // dontInvert: labels are printed dark on light; trying inverted too doubles the cost per frame.
    return jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" })?.data ?? null;
  };
}

/**
 * The text of an NDEF message's first text or URL record, or its serial number when the tag
 * holds no record (a blank NFC sticker still identifies a spot).
 * @param {{ serialNumber?: string, message?: { records: readonly { recordType: string, encoding?: string | null, data?: DataView | null }[] } }} reading
 * @returns {string | null}
 */
export function ndefText(reading) {
  for (const record of reading.message?.records ?? []) {
    if ((record.recordType === "text" || record.recordType === "url") && record.data) {
      const text = new TextDecoder(record.encoding || "utf-8").decode(record.data).trim();
      if (text) return text;
    }
  }
  return reading.serialNumber || null;
}

/** Whether this browser can read NFC tags (Chrome on Android, over https). */
export function nfcAvailable() {
  return typeof (/** @type {any} */ (globalThis).NDEFReader) === "function";
}
