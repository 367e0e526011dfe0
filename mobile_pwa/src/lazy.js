// Screens load when first shown, not with the first page: the first screen's request count and
// JavaScript size have budgets (docs/PWA.md), and each role's screens only matter to that role.
// Offline this costs nothing: every module is in the service worker's precache.
import { h } from "preact";
import { useEffect, useState } from "preact/hooks";
import { html } from "./html.js";
import { t } from "./i18n.js";

/**
 * Wraps `() => import("./screens/x.js").then((m) => m.XScreen)` as a component.
 * @template {object} P
 * @param {() => Promise<import("preact").ComponentType<P>>} load
 * @returns {import("preact").FunctionComponent<P>}
 */
export function lazyScreen(load) {
  /** @type {import("preact").ComponentType<P> | null} */
  let loaded = null;
  /** @type {Promise<void> | null} */
  let pending = null;
  const start = () =>
    (pending ??= load().then(
      (component) => void (loaded = component),
      (error) => {
        pending = null; // allow a retry on the next render
        throw error;
      },
    ));

  return function LazyScreen(props) {
    const [failed, setFailed] = useState(false);
    const [, setReady] = useState(false);
    useEffect(() => {
      if (!loaded) start().then(() => setReady(true), () => setFailed(true));
    }, []);
    if (loaded) return h(loaded, props);
    if (failed) return html`<p class="screen notice" role="alert">${t("error.network_error")}</p>`;
    return html`<p class="screen" aria-busy="true">${t("app.loading")}</p>`;
  };
}
