// "待上传 / Outbox": everything the phone holds that the server does not have yet — what it is,
// since when, why it is still here (in words a floor manager acts on), upload progress, a Sync now
// button, and for items waiting for a person: try again, or discard after an explicit confirmation.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { errorMessage, relativeTime, t } from "../i18n.js";
import { loadOutbox } from "../outbox-status.js";
import { explain } from "../outbox/explain.js";

/** @typedef {import("../types/outbox").OutboxItem} OutboxItem */
/** @typedef {import("../outbox/runtime.js").OutboxRuntime} OutboxRuntime */
/** @typedef {import("../outbox/runtime.js").OutboxSnapshot} OutboxSnapshot */
/** @typedef {import("../i18n.js").MessageKey} MessageKey */

export function OutboxScreen() {
  const [runtime, setRuntime] = useState(/** @type {OutboxRuntime | null} */ (null));
  const [snapshot, setSnapshot] = useState(/** @type {OutboxSnapshot | null} */ (null));
  const now = useNow(30_000);

  useEffect(() => {
    /** @type {(() => void) | undefined} */
    let unsubscribe;
    let gone = false;
    loadOutbox().then((rt) => {
      if (gone) return;
      setRuntime(rt);
      unsubscribe = rt.subscribe(setSnapshot);
    });
    return () => {
      gone = true;
      unsubscribe?.();
    };
  }, []);

  if (!runtime || !snapshot) return html`<p class="screen" aria-busy="true">${t("app.loading")}</p>`;
  const { items, online, syncing, persisted } = snapshot;
  const parked = items.filter((i) => i.state === "conflict" || i.state === "failed_permanent").length;
  const present = new Set(items.map((i) => i.client_id));

  return html`
    <section class="screen screen--outbox">
      <h1 class="screen__title">${t("outbox.title")}</h1>
      <p class="outbox__summary" data-testid="outbox-summary">
        ${items.length === 0
          ? t("outbox.empty")
          : parked > 0
            ? t("outbox.summaryParked", { count: items.length, parked })
            : t("outbox.summary", { count: items.length })}
      </p>
      ${!online && items.length > 0 && html`<p class="notice notice--warn" role="status">${t("outbox.offlineNow")}</p>`}
      ${persisted !== null && items.length > 0 &&
      html`<p class="outbox__persist" data-testid="outbox-persist">
        ${persisted ? t("outbox.persisted") : t("outbox.notPersisted")}
      </p>`}
      <ul class="outbox-list" data-testid="outbox-list">
        ${items.map(
          (item) => html`<${OutboxRow}
            key=${item.client_id}
            item=${item}
            runtime=${runtime}
            progress=${snapshot.progress[item.client_id]}
            context=${{ online, owner: snapshot.owner, now, present }}
          />`,
        )}
      </ul>
      <div class="screen__footer screen__footer--sticky">
        <button
          type="button"
          class="btn btn--primary btn--block"
          data-testid="outbox-sync"
          disabled=${syncing}
          onClick=${() => {
            void runtime.requestPersist();
            void runtime.syncNow();
          }}
        >
          ${syncing ? t("outbox.syncing") : t("outbox.syncNow")}
        </button>
      </div>
    </section>
  `;
}

/**
 * @param {{ item: OutboxItem, runtime: OutboxRuntime, progress: number | undefined,
 *   context: Parameters<typeof explain>[1] }} props
 */
function OutboxRow({ item, runtime, progress, context }) {
  const [confirming, setConfirming] = useState(false);
  const why = explain(item, context);
  const sending = item.state === "sending";
  const parked = item.state === "conflict" || item.state === "failed_permanent";
  const stateKey = /** @type {MessageKey} */ (`outbox.state.${item.state}`);
  const title =
    item.kind === "photo"
      ? `${t("outbox.kind.photo")} · ${t(/** @type {MessageKey} */ (`context.${item.context_type}`))}`
      : item.label || t("outbox.kind.json");
  const since = relativeTime(Date.parse(item.created_at), context.now);
  const meta = [
    item.kind === "photo" ? item.property_name : null,
    item.kind === "photo" ? t("outbox.captured", { when: since }) : t("outbox.queued", { when: since }),
    item.kind === "photo" && item.lat === null && item.location_error ? t("outbox.noLocation") : null,
    item.attempts > 0 ? t("outbox.attempts", { count: item.attempts }) : null,
    item.state === "pending" && item.last_error && item.next_try_at && Date.parse(item.next_try_at) > context.now
      ? t("outbox.nextTry", { when: relativeTime(Date.parse(item.next_try_at), context.now) })
      : null,
  ].filter(Boolean);
  const reason = why
    ? t(why.key, why.serverWords && item.last_error ? { message: serverWords(item.last_error) } : why.params)
    : null;
  const percent = Math.round((progress ?? 0) * 100);

  return html`
    <li class=${`outbox-item outbox-item--${item.state}`} data-testid="outbox-item" data-state=${item.state} data-client-id=${item.client_id}>
      ${item.kind === "photo" && html`<${Thumb} runtime=${runtime} id=${item.client_id} mime=${item.mime} />`}
      <div class="outbox-item__body">
        <div class="outbox-item__head">
          <strong>${title}</strong>
          <span class=${`state state--${item.state}`}>${t(stateKey)}</span>
        </div>
        <p class="outbox-item__meta">${meta.join(" · ")}</p>
        ${reason && html`<p class=${`outbox-item__reason tone--${why?.tone}`} data-testid="outbox-reason">${reason}</p>`}
        ${sending &&
        html`<div class="upload">
          <progress class="upload__bar" max="100" value=${percent} aria-label=${t("outbox.progress", { percent })}></progress>
          <span class="upload__text">${t("outbox.progress", { percent })}</span>
        </div>`}
        ${parked && !confirming &&
        html`<div class="outbox-item__actions">
          ${item.state === "failed_permanent" &&
          html`<button type="button" class="btn btn--secondary" onClick=${() => runtime.outbox.retry(item.client_id).then(() => runtime.sync())}>
            ${t("outbox.retry")}
          </button>`}
          <button type="button" class="btn btn--ghost" data-testid="outbox-discard" onClick=${() => setConfirming(true)}>${t("outbox.discard")}</button>
        </div>`}
        ${parked && confirming &&
        html`<div class="confirm" role="alertdialog" aria-label=${t("outbox.discardConfirm")}>
          <p class="confirm__text">${t("outbox.discardConfirm")}</p>
          <div class="outbox-item__actions">
            <button type="button" class="btn btn--secondary" onClick=${() => setConfirming(false)}>${t("outbox.cancel")}</button>
            <button type="button" class="btn btn--danger" data-testid="outbox-discard-confirm" onClick=${() => runtime.outbox.discard(item.client_id)}>
              ${t("outbox.discardYes")}
            </button>
          </div>
        </div>`}
      </div>
    </li>
  `;
}

/**
 * The photo itself, small: a person recognises "the leaking pipe" faster than any caption.
 * A file the browser cannot decode (the server will refuse it too) shows as an empty tile.
 * @param {{ runtime: OutboxRuntime, id: string, mime: string }} props
 */
function Thumb({ runtime, id, mime }) {
  const [url, setUrl] = useState(/** @type {string | null} */ (null));
  const [broken, setBroken] = useState(false);
  useEffect(() => {
    /** @type {string | null} */
    let made = null;
    let gone = false;
    runtime.outbox.bytes(id).then((bytes) => {
      if (gone || !bytes) return;
      made = URL.createObjectURL(new Blob([bytes], { type: mime }));
      setUrl(made);
    });
    return () => {
      gone = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [id]);
  return html`<div class="outbox-item__thumb">
    ${url && !broken && html`<img src=${url} alt="" loading="lazy" decoding="async" onError=${() => setBroken(true)} />`}
  </div>`;
}

/**
 * The server's own message for a refusal, in the reader's language (message_zh for Chinese).
 * @param {import("../types/outbox").StoredError} error
 */
function serverWords(error) {
  const { message_zh: zh, ...rest } = error;
  return errorMessage({ ...rest, details: zh ? { message_zh: zh } : {} });
}

/** The current time, refreshed every `everyMs`, so "3 分钟前" does not freeze. @param {number} everyMs */
function useNow(everyMs) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
