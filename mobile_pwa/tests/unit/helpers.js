// Browser globals the modules under test expect, made small enough to read in one go.

/** A Map-backed stand-in for window.localStorage. */
export class MemoryStorage {
  #items = new Map();
  getItem(key) {
    return this.#items.has(key) ? this.#items.get(key) : null;
  }
  setItem(key, value) {
    this.#items.set(key, String(value));
  }
  removeItem(key) {
    this.#items.delete(key);
  }
  clear() {
    this.#items.clear();
  }
}

export function installStorage() {
  const storage = new MemoryStorage();
  globalThis.localStorage = storage;
  return storage;
}

/**
 * Replaces fetch with a function answering from `handler(url, init)`; records every call.
 * @param {(url: string, init: RequestInit) => Response | Promise<Response>} handler
 */
export function fakeFetch(handler) {
  const calls = [];
  globalThis.fetch = async (url, init = {}) => {
    calls.push({ url: String(url), init });
    return handler(String(url), init);
  };
  return calls;
}

/** @param {number} status @param {unknown} body @param {Record<string, string>} [headers] */
export function jsonResponse(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}
