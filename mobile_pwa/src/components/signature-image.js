// Pure helpers of the signature pad: where the ink is, and how big a PNG data URL is. Kept apart
// from the component so node's test runner can check them without a canvas.

/** The server stores signatures inline; this keeps one request small on a weak uplink. */
export const MAX_SIGNATURE_BYTES = 200 * 1024;

/**
 * The smallest rectangle holding every pixel with any alpha (the pad's background is
 * transparent), or null when nothing was drawn.
 * @param {{ data: Uint8ClampedArray | number[], width: number, height: number }} image RGBA
 * @returns {{ x: number, y: number, width: number, height: number } | null}
 */
export function inkBounds({ data, width, height }) {
  let top = height, left = width, right = -1, bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[(y * width + x) * 4 + 3] === 0) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
    }
  }
  if (right < 0) return null;
  return { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * Bytes a `data:...;base64,` URL decodes to (what the server will store).
 * @param {string} dataUrl
 */
export function dataUrlBytes(dataUrl) {
  const base64 = dataUrl.slice(dataUrl.indexOf(",") + 1);
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}

/**
 * The bounds grown by `pad` pixels on each side, kept inside the canvas: a signature cut flush
 * at its ink looks clipped when printed on a notice.
 * @param {{ x: number, y: number, width: number, height: number }} box
 * @param {number} pad
 * @param {number} maxWidth
 * @param {number} maxHeight
 */
export function padBox(box, pad, maxWidth, maxHeight) {
  const x = Math.max(0, box.x - pad);
  const y = Math.max(0, box.y - pad);
  return {
    x,
    y,
    width: Math.min(maxWidth, box.x + box.width + pad) - x,
    height: Math.min(maxHeight, box.y + box.height + pad) - y,
  };
}
