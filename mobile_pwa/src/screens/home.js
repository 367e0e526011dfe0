// After sign-in: who you are, where you work, a card per role — the role's panel where its API
// exists (supervisor, night duty, floor manager), else what is coming — then the ad hoc photo.
// The role's work comes first: it is what a person opens the app for. Anyone may take over a
// shift, so the handover screen is linked for every property, not only from night duty's panel.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { hasMessage, t } from "../i18n.js";
import { propertiesOf, rolesOf } from "../roles.js";
import { Camera } from "../components/camera.js";
import { ownerIdOf } from "../session.js";
import { lazyScreen } from "../lazy.js";
import { useFeed } from "../notify.js";

/** @typedef {import("../types/contract").User} User */
/** @typedef {import("../types/contract").Role} Role */

/** @typedef {import("preact").FunctionComponent<{ user: User }>} Panel */

// Each panel is its own module, loaded only for a person who holds the role.
/** @type {Partial<Record<Role, Panel>>} */
const PANELS = {
  supervisor: lazyScreen(() => import("./roles/supervisor.js").then((m) => m.SupervisorPanel)),
  night_duty: lazyScreen(() => import("./roles/night-duty.js").then((m) => m.NightDutyPanel)),
  floor_manager: lazyScreen(() => import("./roles/floor-manager.js").then((m) => m.FloorManagerPanel)),
  engineer: lazyScreen(() => import("./roles/work-orders.js").then((m) => m.EngineerPanel)),
  front_desk: lazyScreen(() => import("./roles/front-desk.js").then((m) => m.FrontDeskPanel)),
  manager: lazyScreen(() => import("./roles/manager.js").then((m) => m.ManagerPanel)),
  admin: lazyScreen(() => import("./roles/admin.js").then((m) => m.AdminPanel)),
};

/** @param {Role} role */
function roleName(role) {
  const key = `role.${role}`;
  return hasMessage(key) ? t(key) : role;
}

/** @param {Role} role */
function comingText(role) {
  const key = `coming.${role}`;
  return hasMessage(key) ? t(key) : "";
}

/** @param {{ user: User, onLogout: () => Promise<void> }} props */
export function HomeScreen({ user, onLogout }) {
  const [busy, setBusy] = useState(false);
  const assignments = user.assignments ?? [];
  const properties = propertiesOf(assignments);
  const roles = rolesOf(assignments, user.is_admin ?? false);
  const { feed } = useFeed(typeof user.id === "number" ? user.id : null);

  async function logout() {
    setBusy(true);
    try {
      await onLogout();
    } finally {
      setBusy(false);
    }
  }

  return html`
    <section class="screen screen--home">
      <h1 class="screen__title" data-testid="greeting">${t("home.greeting", { name: user.display_name || user.username || "" })}</h1>

      <a class="btn btn--secondary btn--block feed-link" href="#/notifications" data-testid="feed-link">
        ${t("feed.title")}
        ${feed.unread > 0 && html`<span class="badge badge--alert" data-testid="feed-badge" aria-label=${t("feed.unread", { count: feed.unread })}>${feed.unread}</span>`}
      </a>

      ${properties.length > 0
        ? html`
            <h2 class="section-title">${t("home.properties")}</h2>
            <ul class="chips" data-testid="properties">
              ${properties.map(
                (p) => html`<li class="chip" key=${p.id}>
                  <strong>${p.name}</strong>
                  <span class="chip__roles">${p.roles.map(roleName).join(" · ")}</span>
                </li>`,
              )}
            </ul>
          `
        : !user.is_admin && html`<p class="notice">${t("home.noAssignments")}</p>`}


      ${roles.length > 0 && html`<h2 class="section-title">${t("home.rolesTitle")}</h2>`}
      ${roles.map(({ role, properties: names }) => {
        const Panel = PANELS[role];
        return html`
          <article class="card" key=${role} data-role=${role}>
            <h3 class="card__title">${roleName(role)}</h3>
            ${names.length > 0 && html`<p class="card__meta">${t("home.atProperties", { names: names.join(t("app.listSeparator")) })}</p>`}
            ${Panel
              ? html`<${Panel} user=${user} />`
              : html`<p class="card__body"><span class="badge">${t("home.comingSoon")}</span> ${comingText(role)}</p>`}
          </article>
        `;
      })}

      ${properties.length > 0 && html`<${AdHocPhoto} user=${user} properties=${properties} />`}

      ${properties.map(
        (p) => html`<a class="btn btn--ghost btn--block" key=${p.id} href=${`#/handover/${p.id}`} data-testid="handover-link">
          ${t("ho.title")} · ${p.name}</a>`,
      )}
      <a class="btn btn--ghost btn--block" href="#/tools" data-testid="tools-link">${t("tools.link")}</a>

      <div class="screen__footer">
        <button type="button" class="btn btn--secondary btn--block" disabled=${busy} onClick=${logout} data-testid="logout">
          ${busy ? t("home.loggingOut") : t("home.logout")}
        </button>
      </div>
    </section>
  `;
}

/**
 * "随手拍": a photo of anything worth recording, at one of the user's properties. The whole
 * evidence path (hash, outbox, upload, acknowledgement) is the one every later screen uses.
 * @param {{ user: User, properties: { id: number, name: string }[] }} props
 */
function AdHocPhoto({ user, properties }) {
  const [propertyId, setPropertyId] = useState(properties[0].id);
  const [note, setNote] = useState("");
  const property = properties.find((p) => p.id === propertyId) ?? properties[0];
  return html`
    <article class="card card--capture" data-testid="adhoc">
      <h2 class="card__title">${t("home.adhoc.title")}</h2>
      <p class="card__meta">${t("home.adhoc.hint")}</p>
      ${properties.length > 1 &&
      html`<label class="field">
        <span class="field__label">${t("home.adhoc.property")}</span>
        <select
          class="field__input"
          value=${String(property.id)}
          onChange=${(/** @type {Event} */ e) => setPropertyId(Number(/** @type {HTMLSelectElement} */ (e.currentTarget).value))}
        >
          ${properties.map((p) => html`<option key=${p.id} value=${String(p.id)}>${p.name}</option>`)}
        </select>
      </label>`}
      <label class="field">
        <span class="field__label">${t("home.adhoc.note")}</span>
        <input
          class="field__input"
          name="note"
          maxlength="500"
          value=${note}
          onInput=${(/** @type {InputEvent} */ e) => setNote(/** @type {HTMLInputElement} */ (e.currentTarget).value)}
        />
      </label>
      <${Camera}
        propertyId=${property.id}
        propertyName=${property.name}
        contextType="ad_hoc"
        note=${note}
        person=${{ id: ownerIdOf(user), name: user.display_name || user.username || "" }}
        onSaved=${() => setNote("")}
      />
    </article>
  `;
}
