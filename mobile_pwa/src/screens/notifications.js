// Notifications (#/notifications): the feed, newest first, read from the phone's copy and kept
// fresh while open (notify.js). Opening the screen marks everything shown as read, through the
// outbox like every write. Below, Web Push: offered only when the server has a VAPID key and the
// browser can subscribe; the subscription is sent through the outbox too.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { apiFetch } from "../api.js";
import { getLocale, t } from "../i18n.js";
import { isoWithOffset } from "../outbox/photo.js";
import { markReadUpTo, saveFeed, subscriptionBody, useFeed, vapidKeyBytes } from "../notify.js";
import { queueAction, shortTime } from "./roles/common.js";

/** @typedef {import("../types/contract").User} User */
/** @typedef {import("../types/contract").PushConfig} PushConfig */
/** @typedef {import("../i18n.js").MessageKey} MessageKey */

/** @param {{ user: User }} props */
export function NotificationsScreen({ user }) {
  const userId = typeof user.id === "number" ? user.id : null;
  const { feed, refresh } = useFeed(userId);
  const zh = getLocale() === "zh-CN";
  const newest = feed.items.reduce((max, n) => Math.max(max, n.id ?? 0), 0);
  const unreadShown = feed.items.some((n) => !n.read_at);

  // Seen is read: tell the server (queued) and the phone's copy at once.
  useEffect(() => {
    if (!unreadShown || newest === 0) return;
    saveFeed(markReadUpTo(feed, newest, isoWithOffset(new Date())));
    void queueAction(user, { url: "/notifications/read", body: { up_to: newest }, id_in: "header", label: t("feed.markRead") });
  }, [newest, unreadShown]);

  const items = [...feed.items].reverse();
  return html`
    <section class="screen" data-testid="feed">
      <h1 class="screen__title">${t("feed.title")}</h1>
      <button type="button" class="btn btn--secondary btn--block" onClick=${refresh} data-testid="feed-refresh">${t("feed.refresh")}</button>
      ${items.length === 0 && html`<p class="card__meta" data-testid="feed-empty">${t("feed.none")}</p>`}
      <ul class="plain-list">
        ${items.map(
          (n) => html`<li key=${n.id} class="card card--panel" data-testid="feed-item" data-notification-id=${n.id}>
            <strong>${(zh ? n.message_zh : n.message) || n.message_zh || n.message}</strong>
            <span class="card__meta">${shortTime(n.created_at)}</span>
            ${n.work_order_id != null && html`<span class="card__meta">${t("feed.order", { id: n.work_order_id })}</span>`}
          </li>`,
        )}
      </ul>
      <${PushCard} user=${user} />
      <a class="btn btn--ghost btn--block" href="#/">${t("app.backHome")}</a>
    </section>
  `;
}

/** Web Push on this phone: on / off, or why it is not offered. */
/** @param {{ user: User }} props */
function PushCard({ user }) {
  const [config, setConfig] = useState(/** @type {PushConfig | null} */ (null));
  const [subscription, setSubscription] = useState(/** @type {PushSubscription | null} */ (null));
  const [message, setMessage] = useState(/** @type {MessageKey | null} */ (null));
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  useEffect(() => {
    if (!supported) return;
    apiFetch("/notifications/push").then(
      (c) => setConfig(/** @type {PushConfig} */ (c)),
      () => setConfig(null),
    );
    navigator.serviceWorker.ready.then((r) => r.pushManager.getSubscription()).then(setSubscription, () => {});
  }, []);

  async function enable() {
    if (!config?.public_key) return;
    if ((await Notification.requestPermission()) !== "granted") return setMessage("push.denied");
    try {
      const registration = await navigator.serviceWorker.ready;
      const sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: vapidKeyBytes(config.public_key) });
      await queueAction(user, { url: "/notifications/push-subscriptions", body: subscriptionBody(sub.toJSON()), id_in: "header", label: t("push.on") });
      setSubscription(sub);
      setMessage("push.enabled");
    } catch {
      setMessage("push.failed");
    }
  }

  async function disable() {
    if (!subscription) return;
    const endpoint = subscription.endpoint;
    await subscription.unsubscribe().catch(() => false);
    await queueAction(user, { method: "DELETE", url: "/notifications/push-subscriptions", body: { endpoint }, id_in: "header", label: t("push.off") });
    setSubscription(null);
    setMessage("push.disabled");
  }

  const offered = supported && config?.enabled && config.public_key;
  return html`
    <section class="card card--panel" data-testid="push">
      <h3 class="card__title">${t("push.title")}</h3>
      <p class="card__meta">${offered ? t("push.hint") : t("push.unavailable")}</p>
      ${offered &&
      (subscription
        ? html`<button type="button" class="btn btn--secondary btn--block" onClick=${disable} data-testid="push-off">${t("push.off")}</button>`
        : html`<button type="button" class="btn btn--primary btn--block" onClick=${enable} data-testid="push-on">${t("push.on")}</button>`)}
      ${message && html`<p class="notice" role="status">${t(message)}</p>`}
    </section>
  `;
}
