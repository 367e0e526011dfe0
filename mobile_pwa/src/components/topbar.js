// The bar at the top of every screen: app name, an offline badge, the outbox with its count,
// the language toggle.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { useOutboxStatus } from "../outbox-status.js";

/** @param {{ onToggleLocale: () => void, signedIn: boolean }} props */
export function TopBar({ onToggleLocale, signedIn }) {
  const online = useOnline();
  return html`
    <header class="topbar">
      <span class="topbar__title">${t("app.name")}</span>
      ${!online && html`<span class="badge badge--offline" role="status">${t("app.offline")}</span>`}
      <${OutboxLink} signedIn=${signedIn} />
      <button
        type="button"
        class="btn btn--ghost-light topbar__locale"
        aria-label=${t("locale.toggleLabel")}
        data-testid="locale-toggle"
        onClick=${onToggleLocale}
      >
        ${t("locale.toggle")}
      </button>
    </header>
  `;
}

/**
 * An upload tray with the number of items the server does not have yet; amber when one needs a
 * person. Signed out, the outbox screen is out of reach (its items belong to whoever signs in), so
 * the count is shown but is not a link.
 * @param {{ signedIn: boolean }} props
 */
function OutboxLink({ signedIn }) {
  const { count, parked } = useOutboxStatus();
  const label = t("outbox.linkLabel", { count });
  const content = html`
    <svg class="topbar__icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
      <path d="M12 3l-5 5h3v6h4V8h3z M4 15v4a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-4h-2v4H6v-4z" fill="currentColor" />
    </svg>
    ${count > 0 && html`<span class=${parked > 0 ? "count count--alert" : "count"} data-testid="outbox-count">${count}</span>`}
  `;
  if (!signedIn) {
    return count > 0 ? html`<span class="topbar__outbox" role="img" aria-label=${label}>${content}</span>` : null;
  }
  return html`<a class="btn btn--ghost-light topbar__outbox" href="#/outbox" aria-label=${label} data-testid="outbox-link">${content}</a>`;
}

/** navigator.onLine as state. It can say "online" on a dead network; requests still decide. */
export function useOnline() {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    };
  }, []);
  return online;
}
