// localStorage behind try/catch: it throws in some private modes and when storage is disabled,
// and a login screen must still work then (for this visit only).

/** @param {string} key @returns {string | null} */
export function readItem(key) {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

/** @param {string} key @param {string} value */
export function writeItem(key, value) {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    // Quota or privacy mode: the value lives only as long as the page.
  }
}

/** @param {string} key */
export function removeItem(key) {
  try {
    globalThis.localStorage?.removeItem(key);
  } catch {
    // Nothing stored means nothing to remove.
  }
}
