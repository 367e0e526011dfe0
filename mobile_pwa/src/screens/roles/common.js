// What the role panels share: loading a list with a visible state, the user's properties for a
// role, queueing an action through the outbox, and short local times.
import { useCallback, useEffect, useState } from "preact/hooks";
import { html } from "../../html.js";
import { errorMessage, getLocale, hasMessage, t } from "../../i18n.js";
import { loadOutbox } from "../../outbox-status.js";
import { ownerIdOf } from "../../session.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").Role} Role */

/**
 * The properties where the user holds `role` (a supervisor reviews only where they supervise).
 * @param {User} user
 * @param {Role} role
 * @returns {{ id: number, name: string }[]}
 */
export function propertiesFor(user, role) {
  /** @type {Map<number, string>} */
  const seen = new Map();
  for (const a of user.assignments ?? []) {
    if (a.role === role && !seen.has(a.property_id)) seen.set(a.property_id, a.property_name ?? `#${a.property_id}`);
  }
  return [...seen].map(([id, name]) => ({ id, name }));
}

/**
 * @template T
 * @typedef {{ data: T | null, error: unknown, loading: boolean, reload: () => void }} Loaded
 */

/**
 * Runs `load` on mount and on reload(); the panel shows loading, the error, or the data.
 * @template T
 * @param {() => Promise<T>} load
 * @param {unknown[]} [deps]
 * @returns {Loaded<T>}
 */
export function useLoad(load, deps = []) {
  const [state, setState] = useState(/** @type {{ data: T | null, error: unknown, loading: boolean }} */ ({ data: null, error: null, loading: true }));
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => void (live = false);
  }, [round, ...deps]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { ...state, reload };
}

/**
 * Loading / error (with a reload button) for a panel whose data is not there yet.
 * @param {{ state: Loaded<unknown> }} props
 */
export function LoadState({ state }) {
  if (state.error) {
    return html`<div class="notice notice--warn" role="alert">
      <p>${t("panel.loadFailed", { message: errorMessage(state.error) })}</p>
      <button type="button" class="btn btn--secondary" onClick=${state.reload}>${t("panel.retry")}</button>
    </div>`;
  }
  if (state.loading && !state.data) return html`<p aria-busy="true">${t("panel.loading")}</p>`;
  return null;
}

/**
 * A panel's list card: title, loading / error, a note once loaded (e.g. "nothing waiting"; null
 * for none), then the rows.
 * @param {{ testid: string, title: string, state: Loaded<unknown>, note: string | null,
 *   children?: import("preact").ComponentChildren }} props
 */
export function ListCard({ testid, title, state, note, children }) {
  return html`
    <section class="card card--panel" data-testid=${testid}>
      <h3 class="card__title">${title}</h3>
      <${LoadState} state=${state} />
      ${state.data && note && html`<p class="card__meta">${note}</p>`}
      <ul class="plain-list">${children}</ul>
    </section>
  `;
}

/**
 * Writes an action to the outbox (IndexedDB first) and starts a sync; resolves once it is stored,
 * so the screen can say "saved" even with no network.
 * @param {User} user
 * @param {{ url: string, method?: string, body?: unknown, headers?: Record<string, string>, id_in?: "body" | "header", label: string, client_id?: string, depends_on?: string[], if_match_from?: string }} action
 */
export async function queueAction(user, action) {
  const runtime = await loadOutbox();
  const item = await runtime.outbox.enqueue(action, { userId: ownerIdOf(user), userName: user.display_name || user.username || "" });
  void runtime.requestPersist();
  void runtime.sync();
  return item;
}

/**
 * Month-day hour:minute in the app's language (the property's clock is the phone's).
 * @param {string | null | undefined} iso
 */
export function shortTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(getLocale(), { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });
}

/**
 * HH:MM of an ISO date-time on the phone's clock (a window's start on a day board).
 * @param {string | null | undefined} iso
 */
export function clockTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}

/**
 * The translation of an enum value (`wo.priority.urgent`), or the value itself when none exists.
 * @param {string} prefix
 * @param {string | null | undefined} value
 */
export function label(prefix, value) {
  const key = `${prefix}.${value}`;
  return value && hasMessage(key) ? t(/** @type {import("../../i18n.js").MessageKey} */ (key)) : value ?? "";
}
