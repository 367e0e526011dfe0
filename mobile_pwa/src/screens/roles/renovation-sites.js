// Floor manager's renovation work at home: the sites still to inspect today (the server's
// my-sites: active sites of theirs, or unassigned, with no inspection on the property's today) and
// the open notices at their properties, earliest deadline first. A site opens the daily
// inspection screen (#/inspect/<renovation id>), which works offline.
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { ListCard, label, shortTime, useLoad } from "./common.js";

/** @typedef {import("../../types/contract").DueSiteList} DueSiteList */
/** @typedef {import("../../types/contract").OpenNoticeList} OpenNoticeList */
/** @typedef {import("../../types/contract").RenovationPage} RenovationPage */

/**
 * The inspection screen's address for a site; the property and unit travel in the query so the
 * screen can label photos without a request.
 * @param {{ renovation_id?: number, property_id?: number, unit_label?: string }} site
 */
export function inspectHref(site) {
  const query = new URLSearchParams({ p: String(site.property_id ?? ""), u: site.unit_label ?? "" });
  return `#/inspect/${site.renovation_id}?${query}`;
}

/**
 * The notice screen's address for a site (raise, issue, acknowledge).
 * @param {number | undefined} renovationId
 * @param {number | undefined} propertyId
 * @param {string | undefined} unitLabel
 */
export function noticesHref(renovationId, propertyId, unitLabel) {
  const query = new URLSearchParams({ p: String(propertyId ?? ""), u: unitLabel ?? "" });
  return `#/notices/${renovationId}?${query}`;
}

// The states of a site under way (renovation/models/vocabulary.py ACTIVE_STATES): only these are
// inspected daily, so only these make "all inspected" true.
const UNDER_WAY = ["in_progress", "suspended"];

/**
 * Sites due today at every property where the user inspects (one request). With none due, the
 * sites under way are counted, so the card never says "all inspected" when there is nothing to
 * inspect (no site registered or started yet).
 * @param {{ properties: { id: number }[] }} props
 */
export function DueSites({ properties }) {
  const state = useLoad(async () => {
    const due = /** @type {DueSiteList} */ (await apiFetch("/renovation/my-sites"));
    if ((due.items ?? []).length > 0) return { due, underWay: null };
    const pages = await Promise.all(
      properties.flatMap((p) =>
        UNDER_WAY.map((s) => /** @type {Promise<RenovationPage>} */ (apiFetch(`/renovation/properties/${p.id}/renovations?state=${s}&limit=200`))),
      ),
    );
    return { due, underWay: pages.reduce((n, page) => n + page.items.length, 0) };
  });
  const sites = state.data?.due.items ?? [];
  const underWay = state.data?.underWay ?? 0;
  const note =
    sites.length > 0 ? t("reno.dueCount", { count: sites.length }) : underWay > 0 ? t("reno.dueNoneActive", { count: underWay }) : t("reno.noSites");
  return html`
    <${ListCard} testid="due-sites" title=${t("reno.dueTitle")} state=${state} note=${note}>
        ${sites.map(
          (s) => html`<li key=${s.renovation_id} data-testid="due-site" data-renovation-id=${s.renovation_id}>
            <strong>${s.unit_label || `#${s.unit_id}`}</strong>
            <span class="card__meta">${s.owner_name ?? ""}${s.state === "suspended" ? ` · ${t("reno.suspended")}` : ""}</span>
            <a class="btn btn--primary" href=${inspectHref(s)} data-testid="due-site-inspect">${t("reno.inspect")}</a>
          </li>`,
        )}
    </${ListCard}>
  `;
}

/**
 * My open notices (those I raised or issued: the server's `mine=true`), with who issued each —
 * a notice I drafted may have been issued by a colleague.
 * @param {{ property: { id: number, name: string } }} props
 */
export function OpenNotices({ property }) {
  const state = useLoad(
    () => /** @type {Promise<OpenNoticeList>} */ (apiFetch(`/renovation/open-notices?property_id=${property.id}&mine=true`)),
    [property.id],
  );
  const notices = state.data?.items ?? [];
  return html`
    <${ListCard} testid="open-notices" title=${`${t("notice.mineTitle")} · ${property.name}`} state=${state}
      note=${notices.length === 0 ? t("notice.mineNone") : null}>
        ${notices.map(
          (n) => html`<li key=${n.id} data-testid="open-notice">
            <strong>${n.serial || `#${n.id}`} · ${n.unit_label}</strong>
            <span class="card__meta">${label("notice.state", n.state)}${n.severity ? ` · ${n.severity}` : ""}${n.stop_work ? ` · ${t("notice.stopWork")}` : ""}</span>
            <span class="card__meta" data-testid="open-notice-issuer">${n.issued_by_name
              ? t("notice.issuedBy", { name: n.issued_by_name })
              : t("notice.draftBy", { name: n.created_by_name ?? "" })}</span>
            <span class=${n.past_deadline ? "flag" : "card__meta"}>${n.past_deadline ? `${t("wo.overdue")} · ` : ""}${t("notice.deadline", { time: shortTime(n.deadline_at ?? n.deadline) })}</span>
            <a class="btn btn--secondary" href=${noticesHref(n.renovation_id, n.property_id ?? property.id, n.unit_label)} data-testid="open-notice-open">${t("rn.open")}</a>
          </li>`,
        )}
    </${ListCard}>
  `;
}
