// Floor manager (楼管员) at home: today's patrol routes at each property they patrol, their runs
// in progress (continue), and starting a run; then the renovation sites due today and the open
// notices (renovation-sites.js). Starting goes through the outbox like every action;
// the run's server id is then read back from the runs list, since every later step's URL needs it.
import { useState } from "preact/hooks";
import { html } from "../../html.js";
import { navigate } from "../../router.js";
import { isoWithOffset } from "../../outbox/photo.js";
import { apiFetch } from "../../api.js";
import { getLocale, t } from "../../i18n.js";
import { ownerIdOf } from "../../session.js";
import { LoadState, propertiesFor, queueAction, useLoad } from "./common.js";
import { DueSites, OpenNotices } from "./renovation-sites.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").PatrolRoute} PatrolRoute */
/** @typedef {import("../../types/contract").RoutePage} RoutePage */
/** @typedef {import("../../types/contract").RunPage} RunPage */

/** Today as YYYY-MM-DD on the phone's clock (the property's day, for a phone at the property). */
export function today(now = new Date()) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * Whether a route has a window starting today (no windows: any time), by ISO weekday.
 * @param {PatrolRoute} route
 * @param {Date} [now]
 */
export function runsToday(route, now = new Date()) {
  const windows = route.windows ?? [];
  if (windows.length === 0) return true;
  const weekday = now.getDay() === 0 ? 7 : now.getDay();
  return windows.some((w) => (w.weekdays ?? []).includes(weekday));
}

/**
 * My in-progress run of `routeId` today, if the server has one.
 * @param {number} propertyId
 * @param {number} routeId
 * @param {string | number | null} me
 */
async function myOpenRun(propertyId, routeId, me) {
  const runner = typeof me === "number" ? `&runner_id=${me}` : "";
  const page = /** @type {RunPage} */ (
    await apiFetch(`/patrol/properties/${propertyId}/runs?date=${today()}&route_id=${routeId}&state=in_progress${runner}&limit=5`)
  );
  return page.items[0] ?? null;
}

/**
 * Queues the start, lets the outbox send it, then looks for the run (up to ~10 s).
 * @param {User} user
 * @param {number} propertyId
 * @param {PatrolRoute} route
 * @returns {Promise<number | null>} the run id, or null while the start waits in the outbox
 */
export async function startRun(user, propertyId, route) {
  await queueAction(user, {
    url: `/patrol/routes/${route.id}/runs`,
    body: { device_time: isoWithOffset(new Date()) },
    label: `${t("patrol.start")} ${route.code}`,
  });
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, i === 0 ? 300 : 1000));
    const run = await myOpenRun(propertyId, route.id ?? 0, ownerIdOf(user)).catch(() => null);
    if (run?.id) return run.id;
  }
  return null;
}

/** @param {{ user: User }} props */
export function FloorManagerPanel({ user }) {
  const properties = propertiesFor(user, "floor_manager");
  return html`
    <div class="panel" data-testid="panel-floor-manager">
      ${properties.map((p) => html`<${TodayRoutes} key=${p.id} user=${user} property=${p} />`)}
      <${DueSites} properties=${properties} />
      ${properties.map((p) => html`<${OpenNotices} key=${`n${p.id}`} property=${p} />`)}
    </div>
  `;
}

/** @param {{ user: User, property: { id: number, name: string } }} props */
function TodayRoutes({ user, property }) {
  const state = useLoad(async () => {
    const me = ownerIdOf(user);
    const [routes, runs] = await Promise.all([
      /** @type {Promise<RoutePage>} */ (apiFetch(`/patrol/properties/${property.id}/routes?active=true&limit=100`)),
      /** @type {Promise<RunPage>} */ (apiFetch(`/patrol/properties/${property.id}/runs?date=${today()}${typeof me === "number" ? `&runner_id=${me}` : ""}&limit=100`)),
    ]);
    // All active routes are kept for the empty state: "none set up" and "none today" differ.
    return { routes: routes.items.filter((r) => runsToday(r)), active: routes.items.length, runs: runs.items };
  }, [property.id]);
  const routes = state.data?.routes ?? [];
  const zh = getLocale() === "zh-CN";
  const [starting, setStarting] = useState(/** @type {number | null} */ (null));
  const [queued, setQueued] = useState(false);

  /** @param {PatrolRoute} route */
  async function start(route) {
    setStarting(route.id ?? 0);
    setQueued(false);
    try {
      const runId = await startRun(user, property.id, route);
      if (runId) navigate(`/run/${runId}`);
      else setQueued(true);
    } finally {
      setStarting(null);
    }
  }
  /** @param {PatrolRoute} route */
  const openRun = (route) => state.data?.runs.find((r) => r.route_id === route.id && r.state === "in_progress");
  return html`
    <section class="card card--panel" data-testid="today-routes">
      <h3 class="card__title">${t("patrol.title")} · ${property.name}</h3>
      <${LoadState} state=${state} />
      ${state.data && html`<p class="card__meta">${t("patrol.runsToday", { count: state.data.runs.length })}</p>`}
      ${state.data && routes.length === 0 && html`<p class="card__meta" data-testid="routes-empty">${state.data.active === 0
        ? t("patrol.noRoutes")
        : t("patrol.noneToday", { count: state.data.active })}</p>`}
      <ul class="plain-list">
        ${routes.map(
          (r) => html`<li key=${r.id} data-testid="route-row">
            <strong>${zh || !r.name_en ? r.name_zh : r.name_en}</strong>
            <span class="card__meta">${r.code} · ${t("patrol.stops", { count: r.stops?.length ?? 0 })}
              ${(r.windows ?? []).length > 0 ? ` · ${t("patrol.windows", { windows: (r.windows ?? []).map((w) => `${(w.start ?? "").slice(0, 5)}–${(w.end ?? "").slice(0, 5)}`).join(", ") })}` : ""}</span>
            ${openRun(r)
              ? html`<a class="btn btn--primary" href=${`#/run/${openRun(r)?.id}`} data-testid="route-continue">${t("patrol.continue")}</a>`
              : html`<button type="button" class="btn btn--primary" disabled=${starting !== null} onClick=${() => start(r)} data-testid="route-start">
                  ${starting === r.id ? t("patrol.starting") : t("patrol.start")}
                </button>`}
          </li>`,
        )}
      </ul>
      ${queued && html`<p class="notice notice--warn" role="status">${t("patrol.startQueued")}</p>`}
    </section>
  `;
}
