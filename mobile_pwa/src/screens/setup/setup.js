// Set-up of one property (#/setup/<property id>[/<section>]), for administrators: the first-run
// guide, then one section at a time — structure, people, checkpoints, routes, settings, the
// violation checklist. Each section is its own module, loaded when opened (none of this is on the
// first screen). Scoring sheets are not here: the API has none yet (supervision issue).
import { html } from "../../html.js";
import { apiFetch } from "../../api.js";
import { t } from "../../i18n.js";
import { lazyScreen } from "../../lazy.js";
import { LoadState, useLoad } from "../roles/common.js";
import { OfflineNote, nameOf } from "./common.js";
import { Guide } from "./guide.js";

/** @typedef {import("../../types/contract").User} User */
/** @typedef {import("../../types/contract").Property} Property */
/** @typedef {import("preact").FunctionComponent<{ user: User, property: Property }>} Section */

export const SECTIONS = /** @type {const} */ (["structure", "people", "checkpoints", "routes", "settings", "checklist"]);
/** @typedef {typeof SECTIONS[number]} SectionName */

/** @type {Record<SectionName, Section>} */
const MODULES = {
  structure: lazyScreen(() => import("./structure.js").then((m) => m.StructureSection)),
  people: lazyScreen(() => import("./people.js").then((m) => m.PeopleSection)),
  checkpoints: lazyScreen(() => import("./checkpoints.js").then((m) => m.CheckpointsSection)),
  routes: lazyScreen(() => import("./routes.js").then((m) => m.RoutesSection)),
  settings: lazyScreen(() => import("./settings.js").then((m) => m.SettingsSection)),
  checklist: lazyScreen(() => import("./checklist.js").then((m) => m.ChecklistSection)),
};

/** @param {{ user: User, propertyId: number, section: string }} props */
export function SetupScreen({ user, propertyId, section }) {
  const state = useLoad(() => /** @type {Promise<Property>} */ (apiFetch(`/properties/${propertyId}`)), [propertyId]);
  const property = state.data;
  // Opened offline, the property cannot be read: the section still shows (its own lists say they
  // could not load, its forms say they need the network) instead of an empty screen.
  const shown = property ?? (state.error ? /** @type {Property} */ ({ id: propertyId, code: String(propertyId), name_zh: "" }) : null);
  const current = /** @type {SectionName | null} */ (SECTIONS.includes(/** @type {SectionName} */ (section)) ? section : null);
  const Module = current ? MODULES[current] : null;
  return html`
    <section class="screen screen--setup" data-testid="setup">
      <a class="back-link" href=${current ? `#/setup/${propertyId}` : "#/"}>${current ? t("setup.back") : t("app.backHome")}</a>
      <h1 class="screen__title">${t("setup.title")}${property ? ` · ${nameOf(property)}` : ""}</h1>
      <${OfflineNote} />
      <${LoadState} state=${state} />
      <nav class="setup-nav" aria-label=${t("setup.sections")}>
        ${SECTIONS.map(
          (name) => html`<a key=${name} href=${`#/setup/${propertyId}/${name}`} class=${`setup-nav__item${name === current ? " setup-nav__item--current" : ""}`}
            aria-current=${name === current ? "page" : undefined} data-testid=${`setup-nav-${name}`}>${t(`setup.section.${name}`)}</a>`,
        )}
      </nav>
      ${shown && !Module && html`<${Guide} property=${shown} full=${true} />
        <p class="card__meta">${t("setup.noScoring")}</p>`}
      ${shown && Module && html`<${Module} user=${user} property=${shown} />`}
    </section>
  `;
}
