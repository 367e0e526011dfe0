// "Update available": shown when a new version waits; applying it is the user's decision,
// because reloading in the middle of an inspection would lose what is on the screen.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { applyUpdate, onUpdateReady } from "../sw-client.js";

export function UpdateBanner() {
  const [ready, setReady] = useState(false);
  const [dismissed, setDismissed] = useState(false);
  useEffect(() => onUpdateReady(setReady), []);
  if (!ready || dismissed) return null;
  return html`
    <div class="update-banner" role="alert" data-testid="update-banner">
      <div class="update-banner__text">
        <strong>${t("update.available")}</strong>
        <span>${t("update.hint")}</span>
      </div>
      <div class="update-banner__actions">
        <button type="button" class="btn btn--ghost-light" onClick=${() => setDismissed(true)}>
          ${t("update.later")}
        </button>
        <button type="button" class="btn btn--light" data-testid="update-apply" onClick=${applyUpdate}>
          ${t("update.apply")}
        </button>
      </div>
    </div>
  `;
}
