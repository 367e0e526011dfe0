// A fake of the server's side of the outbox contract, reached through a fake XMLHttpRequest (photo
// uploads) and a fake fetch (JSON actions), so the outbox's real transport code runs in the tests.
// It behaves as the lead's contract says: POST /api/v1/evidence is idempotent by client_id and
// answers the sha256 of the bytes it received; POST /api/v1/devices/heartbeat answers 204.
// Scripted answers (`server.next(...)`) stand in for outages, refusals and lost responses.
import { createHash } from "node:crypto";

/**
 * @typedef {object} Scripted
 * @property {number} [status] answer with this status instead of handling the request
 * @property {Record<string, string>} [headers]
 * @property {unknown} [body]
 * @property {"network"} [fail] no answer at all; the request never reached the server
 * @property {"lost_response"} [lose] the server handles the request, the answer is lost
 * @property {string} [sha256] handle it, but claim this hash (a server that stored other bytes)
 */

export class FakeServer {
  constructor() {
    /** @type {Map<string, { id: number, client_id: string, sha256: string, fields: Record<string, string>, bytes: Buffer }>} */
    this.evidence = new Map();
    /** @type {{ method: string, path: string, headers: Record<string, string>, body: unknown }[]} */
    this.requests = [];
    /** @type {unknown[]} */
    this.heartbeats = [];
    /** @type {Scripted[]} */
    this.script = [];
    this.nextId = 1;
    /** uploads reach 100% and then nothing comes back */
    this.stall = false;
  }

  /** Answers for the next requests, in order. @param {...Scripted} answers */
  next(...answers) {
    this.script.push(...answers);
    return this;
  }

  /** Paths of the requests that reached the server, in order. */
  get log() {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  /**
   * @param {string} method
   * @param {string} url
   * @param {Record<string, string>} headers
   * @param {{ json?: unknown, form?: FormData }} payload
   * @returns {Promise<{ status: number, headers: Record<string, string>, text: string } | "network">}
   */
  async handle(method, url, headers, payload) {
    const scripted = this.script.shift();
    if (scripted?.fail === "network") return "network";
    const path = new URL(url, "http://phone.test").pathname;
    /** @type {unknown} */
    let body = payload.json;
    /** @type {Record<string, string>} */
    let fields = {};
    /** @type {Buffer | null} */
    let file = null;
    if (payload.form) {
      for (const [name, value] of payload.form.entries()) {
        if (typeof value === "string") fields[name] = value;
        else file = Buffer.from(await value.arrayBuffer());
      }
      body = fields;
    }
    this.requests.push({ method, path, headers, body });
    if (scripted?.status) {
      return { status: scripted.status, headers: scripted.headers ?? {}, text: JSON.stringify(scripted.body ?? {}) };
    }
    let answer;
    if (path === "/api/v1/evidence" && method === "POST") answer = this.#evidence(fields, file, headers, scripted);
    else if (path === "/api/v1/devices/heartbeat" && method === "POST") {
      this.heartbeats.push(body);
      answer = { status: 204, headers: {}, text: "" };
    } else if (path.startsWith("/api/v1/") && method === "POST") {
      answer = { status: 201, headers: {}, text: JSON.stringify({ ok: true, received: body }) };
    } else answer = { status: 404, headers: {}, text: JSON.stringify({ code: "not_found", message: "Not found." }) };
    return scripted?.lose === "lost_response" ? "network" : answer;
  }

  /**
   * @param {Record<string, string>} fields
   * @param {Buffer | null} file
   * @param {Record<string, string>} headers
   * @param {Scripted | undefined} scripted
   */
  #evidence(fields, file, headers, scripted) {
    if (!headers.Authorization?.startsWith("Bearer ")) {
      return { status: 401, headers: {}, text: JSON.stringify({ code: "unauthenticated", message: "Sign in." }) };
    }
    if (!file) return { status: 422, headers: {}, text: JSON.stringify({ code: "invalid_input", message: "file missing" }) };
    const actual = createHash("sha256").update(file).digest("hex");
    if (actual !== fields.sha256) {
      return {
        status: 422,
        headers: {},
        text: JSON.stringify({ code: "hash_mismatch", message: "Hash mismatch.", details: { message_zh: "哈希不一致。" } }),
      };
    }
    const existing = this.evidence.get(fields.client_id);
    const record = existing ?? { id: this.nextId++, client_id: fields.client_id, sha256: actual, fields, bytes: file };
    this.evidence.set(record.client_id, record);
    const response = {
      id: record.id,
      client_id: record.client_id,
      sha256: scripted?.sha256 ?? record.sha256,
      derivatives_ready: false,
      flags: [],
      received_at: "2026-11-23T01:30:00Z",
    };
    return {
      status: existing ? 200 : 201,
      headers: existing ? { "Idempotent-Replay": "true" } : {},
      text: JSON.stringify(response),
    };
  }

  /** A fetch bound to this server. @returns {typeof fetch} */
  fetch() {
    return /** @type {typeof fetch} */ (
      async (url, init = {}) => {
        const headers = /** @type {Record<string, string>} */ (init.headers ?? {});
        const json = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
        const answer = await this.handle(init.method ?? "GET", String(url), headers, { json });
        if (answer === "network") throw new TypeError("Failed to fetch");
        return new Response(answer.status === 204 ? null : answer.text, { status: answer.status, headers: answer.headers });
      }
    );
  }

  /** An XMLHttpRequest class bound to this server. */
  xhr() {
    const server = this;
    return class FakeXhr {
      constructor() {
        this.upload = { /** @type {((e: any) => void) | null} */ onprogress: null };
        /** @type {Record<string, string>} */
        this.headers = {};
        this.status = 0;
        this.responseText = "";
        /** @type {Record<string, string>} */
        this.responseHeaders = {};
        /** @type {(() => void) | null} */ this.onload = null;
        /** @type {(() => void) | null} */ this.onerror = null;
        /** @type {(() => void) | null} */ this.onabort = null;
        /** @type {(() => void) | null} */ this.ontimeout = null;
        /** @type {(() => void) | null} */ this.onreadystatechange = null;
        this.aborted = false;
      }
      /** @param {string} method @param {string} url */
      open(method, url) {
        this.method = method;
        this.url = url;
      }
      /** @param {string} name @param {string} value */
      setRequestHeader(name, value) {
        this.headers[name] = value;
      }
      /** @param {string} name */
      getResponseHeader(name) {
        const key = Object.keys(this.responseHeaders).find((k) => k.toLowerCase() === name.toLowerCase());
        return key ? this.responseHeaders[key] : null;
      }
      abort() {
        this.aborted = true;
        this.onabort?.();
      }
      /** @param {FormData} form */
      async send(form) {
        // Progress as a browser reports it: a few steps up to the whole body.
        const total = [...form.values()].reduce((n, v) => n + (typeof v === "string" ? v.length : v.size), 0);
        for (const part of [0.5, 1]) {
          await new Promise((r) => setTimeout(r, 0));
          if (this.aborted) return;
          this.upload.onprogress?.({ lengthComputable: true, loaded: Math.round(total * part), total });
        }
        if (server.stall) return; // never answers: the transport's stall timer must fire
        const answer = await server.handle(this.method ?? "POST", this.url ?? "", this.headers, { form });
        if (this.aborted) return;
        if (answer === "network") return this.onerror?.();
        this.status = answer.status;
        this.responseText = answer.text;
        this.responseHeaders = answer.headers;
        this.onload?.();
      }
    };
  }
}

/** A small valid JPEG (SOI, APP0, EOI is enough for the device side: it never decodes). */
export function jpegBytes(seed = 1, size = 2048) {
  const bytes = new Uint8Array(size);
  bytes.set([0xff, 0xd8, 0xff, 0xe0]);
  for (let i = 4; i < size - 2; i++) bytes[i] = (i * 31 + seed * 17) & 0xff;
  bytes.set([0xff, 0xd9], size - 2);
  return bytes.buffer;
}

/** Hex sha256 with node's crypto, to check the app's against. @param {ArrayBuffer} buffer */
export function nodeSha256(buffer) {
  return createHash("sha256").update(Buffer.from(buffer)).digest("hex");
}
