// The outbox's IndexedDB database, behind the few operations the outbox needs. Everything a person
// captures is written here before any request is made, and leaves only when the server has
// acknowledged it (src/outbox/outbox.js decides when).
//
// Stores (all keyed by client_id):
//   actions      queued JSON API calls (ActionItem)
//   photos       one record per photo: what, where, when, state (PhotoItem)
//   photo_bytes  the photo's original bytes as an ArrayBuffer ({client_id, bytes})
//   meta         small facts about this install ({key, value}), e.g. the device id
// A photo's bytes sit apart from its record so that listing the outbox and recording a state change
// never read or rewrite megabytes; the two are written and deleted in one transaction, so neither
// can exist without the other.

/** @typedef {import("../types/outbox").OutboxItem} OutboxItem */
/** @typedef {import("../types/outbox").ActionItem} ActionItem */
/** @typedef {import("../types/outbox").PhotoItem} PhotoItem */
/** @typedef {import("../types/outbox").PhotoBytes} PhotoBytes */

export const DB_NAME = "xj-outbox";
const DB_VERSION = 1;
const ITEM_STORES = /** @type {const} */ (["actions", "photos"]);
const ALL_STORES = /** @type {const} */ (["actions", "photos", "photo_bytes", "meta"]);

/**
 * @template T
 * @param {IDBRequest<T>} request
 * @returns {Promise<T>}
 */
function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Runs `work` in one transaction and resolves with its result once the transaction has committed
 * (not when the last request succeeded: only a committed write survives a crash).
 * @template T
 * @param {IDBDatabase} db
 * @param {readonly string[]} stores
 * @param {IDBTransactionMode} mode
 * @param {(tx: IDBTransaction) => Promise<T> | T} work
 * @returns {Promise<T>}
 */
function transact(db, stores, mode, work) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction([...stores], mode, { durability: "strict" });
    /** @type {T} */
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("transaction aborted"));
    Promise.resolve(work(tx)).then(
      (value) => void (result = value),
      (error) => {
        try {
          tx.abort();
        } catch {
          // already finished
        }
        reject(error);
      },
    );
  });
}

/**
 * The next number of the queue's order, taken in the transaction that adds the item: two items
 * created in the same millisecond (a photo and the finding that names it) still keep their
 * order, across tabs and reloads, where timestamps alone would tie.
 * @param {IDBTransaction} tx a readwrite transaction including "meta"
 */
async function nextSeq(tx) {
  const meta = tx.objectStore("meta");
  const row = /** @type {{ key: string, value: number } | undefined} */ (await done(meta.get("seq")));
  const seq = (row?.value ?? 0) + 1;
  meta.put({ key: "seq", value: seq });
  return seq;
}

/**
 * @param {{ name?: string, factory?: IDBFactory }} [options] a factory other than the browser's
 *   for tests (fake-indexeddb)
 */
export async function openOutboxDb({ name = DB_NAME, factory = globalThis.indexedDB } = {}) {
  if (!factory) throw new Error("IndexedDB is not available");
  const request = factory.open(name, DB_VERSION);
  request.onupgradeneeded = () => {
    const db = request.result;
    for (const store of ALL_STORES) {
      if (!db.objectStoreNames.contains(store)) {
        db.createObjectStore(store, { keyPath: store === "meta" ? "key" : "client_id" });
      }
    }
  };
  const db = await done(request);
  // Another tab opening a newer version must not be blocked by this one: close and let the page
  // reload into the new version (the data stays in the database).
  db.onversionchange = () => db.close();
  return new OutboxDb(db);
}

export class OutboxDb {
  /** @param {IDBDatabase} db */
  constructor(db) {
    this.db = db;
  }

  /** Every queued item's record (never the photo bytes). @returns {Promise<OutboxItem[]>} */
  items() {
    return transact(this.db, ITEM_STORES, "readonly", async (tx) => {
      const [actions, photos] = await Promise.all(ITEM_STORES.map((s) => done(tx.objectStore(s).getAll())));
      return /** @type {OutboxItem[]} */ ([...actions, ...photos]);
    });
  }

  /** @param {string} clientId @returns {Promise<OutboxItem | null>} */
  item(clientId) {
    return transact(this.db, ITEM_STORES, "readonly", async (tx) => {
      for (const store of ITEM_STORES) {
        const found = await done(tx.objectStore(store).get(clientId));
        if (found) return /** @type {OutboxItem} */ (found);
      }
      return null;
    });
  }

  /**
   * Adds an action, deleting `replaces` in the same transaction (coalescing). `add`, not `put`:
   * a client_id is never reused, and an accidental reuse must fail rather than overwrite.
   * @param {ActionItem} record
   * @param {readonly string[]} [replaces]
   * @returns {Promise<number>} the item's place in the queue (seq)
   */
  addAction(record, replaces = []) {
    return transact(this.db, ["actions", "meta"], "readwrite", async (tx) => {
      const store = tx.objectStore("actions");
      for (const id of replaces) store.delete(id);
      const seq = await nextSeq(tx);
      store.add({ ...record, seq });
      return seq;
    });
  }

  /**
   * The record and its bytes, atomically.
   * @param {PhotoItem} record
   * @param {ArrayBuffer} bytes
   * @returns {Promise<number>} the item's place in the queue (seq)
   */
  addPhoto(record, bytes) {
    return transact(this.db, ["photos", "photo_bytes", "meta"], "readwrite", async (tx) => {
      const seq = await nextSeq(tx);
      tx.objectStore("photos").add({ ...record, seq });
      tx.objectStore("photo_bytes").add(/** @type {PhotoBytes} */ ({ client_id: record.client_id, bytes }));
      return seq;
    });
  }

  /** @param {string} clientId @returns {Promise<ArrayBuffer | null>} */
  async bytes(clientId) {
    const row = await transact(this.db, ["photo_bytes"], "readonly", (tx) =>
      done(/** @type {IDBRequest<PhotoBytes | undefined>} */ (tx.objectStore("photo_bytes").get(clientId))),
    );
    return row?.bytes ?? null;
  }

  /**
   * Merges `patch` into the item's record, read and written in one transaction so two updates
   * cannot lose each other's fields. Resolves with the new record, or null if it is gone.
   * @param {string} clientId
   * @param {Partial<OutboxItem>} patch
   * @returns {Promise<OutboxItem | null>}
   */
  update(clientId, patch) {
    return transact(this.db, ITEM_STORES, "readwrite", async (tx) => {
      for (const name of ITEM_STORES) {
        const store = tx.objectStore(name);
        const found = await done(store.get(clientId));
        if (!found) continue;
        const next = /** @type {OutboxItem} */ ({ ...found, ...patch, client_id: clientId });
        store.put(next);
        return next;
      }
      return null;
    });
  }

  /** Deletes the item wherever it is, with its bytes. @param {string} clientId */
  remove(clientId) {
    return transact(this.db, ["actions", "photos", "photo_bytes"], "readwrite", (tx) => {
      for (const store of ["actions", "photos", "photo_bytes"]) tx.objectStore(store).delete(clientId);
    });
  }

  /** @param {string} key @returns {Promise<unknown>} */
  async getMeta(key) {
    const row = await transact(this.db, ["meta"], "readonly", (tx) =>
      done(/** @type {IDBRequest<{ key: string, value: unknown } | undefined>} */ (tx.objectStore("meta").get(key))),
    );
    return row?.value;
  }

  /** @param {string} key @param {unknown} value */
  setMeta(key, value) {
    return transact(this.db, ["meta"], "readwrite", (tx) => void tx.objectStore("meta").put({ key, value }));
  }

  close() {
    this.db.close();
  }
}
