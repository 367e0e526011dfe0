// The first-run guide: structure → people → checkpoints → routes → print labels, each step ticked
// from what the server holds (the label sheet: from this phone's last download of it, after the
// newest checkpoint — the server keeps no record of printing). Shown on the administrator's home
// for a property not yet set up, and at the top of its set-up screen.
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { LoadState, useLoad } from "../roles/common.js";
import { labelsFetchedAt, listAll, nameOf } from "./common.js";
import { guideSteps, workingStaff } from "./rules.js";

/** @typedef {import("../../types/contract").Property} Property */
/** @typedef {import("../../types/contract").BuildingPage} BuildingPage */
/** @typedef {import("../../types/contract").RoutePage} RoutePage */
/** @typedef {import("../../types/contract").StaffUser} StaffUser */
/** @typedef {import("../../types/contract").Checkpoint} Checkpoint */
/** @typedef {import("./rules.js").GuideStep} GuideStep */

/** @type {Record<GuideStep, string>} the section each step opens */
const TARGET = { structure: "structure", people: "people", checkpoints: "checkpoints", routes: "routes", labels: "checkpoints" };

/**
 * @param {number} propertyId
 */
export async function loadGuide(propertyId) {
  const [buildings, users, checkpoints, routes] = await Promise.all([
    /** @type {Promise<BuildingPage>} */ (apiFetch(`/buildings?property_id=${propertyId}&limit=1`)),
    listAll(`/users?property_id=${propertyId}`).catch(() => /** @type {StaffUser[]} */ ([])),
    /** @type {Promise<Checkpoint[]>} */ (listAll(`/patrol/properties/${propertyId}/checkpoints?active=true`)),
    /** @type {Promise<RoutePage>} */ (apiFetch(`/patrol/properties/${propertyId}/routes?active=true&limit=1`)),
  ]);
  const created = checkpoints.map((c) => c.created_at ?? "").filter(Boolean).sort();
  return guideSteps({
    buildings: buildings.items.length,
    staff: workingStaff(/** @type {StaffUser[]} */ (users), propertyId),
    checkpoints: checkpoints.length,
    routes: routes.items.length,
    newestCheckpointAt: created.at(-1) ?? null,
    labelsFetchedAt: labelsFetchedAt(propertyId),
  });
}

/**
 * @param {{ property: Property, full?: boolean }} props `full`: shown even when every step is
 *   done (on the set-up screen); on the home screen a finished set-up collapses to one line.
 */
export function Guide({ property, full = false }) {
  const pid = property.id ?? 0;
  const state = useLoad(() => loadGuide(pid), [pid]);
  const steps = state.data ?? [];
  const left = steps.filter((s) => !s.done).length;
  // On the home screen the guide steps back once the server holds everything it asks for: the
  // label step is only this phone's memory, and another phone may well have printed them.
  const serverDone = steps.length > 0 && steps.filter((s) => s.step !== "labels").every((s) => s.done);
  if (state.data && serverDone && !full) {
    return html`<p class="card__meta" data-testid="guide-done">${t("guide.allDone", { name: nameOf(property) })}</p>`;
  }
  return html`
    <section class="card card--panel" data-testid="guide" data-property-id=${pid}>
      <h3 class="card__title">${t("guide.title")} · ${nameOf(property)}</h3>
      <${LoadState} state=${state} />
      ${state.data && html`<p class="card__meta">${left === 0 ? t("guide.complete") : t("guide.left", { count: left })}</p>`}
      <ol class="guide">
        ${steps.map(
          ({ step, done }) => html`<li key=${step} class=${done ? "guide__step guide__step--done" : "guide__step"} data-testid=${`guide-${step}`} data-done=${String(done)}>
            <span class="guide__tick" aria-hidden="true">${done ? "✓" : "○"}</span>
            <a href=${`#/setup/${pid}/${TARGET[step]}`}>${t(/** @type {any} */ (`guide.step.${step}`))}</a>
            <span class="visually-hidden">${done ? t("guide.done") : t("guide.todo")}</span>
          </li>`,
        )}
      </ol>
    </section>
  `;
}
