// Night spot check (夜间查岗, #/spot-check/<property id>): the post, the guard on duty (picked from
// the property's guards — components/staff-picker.js, account number typed as the fallback — or,
// for a guard with no account, by name), what the checker found, remarks, photos and
// both signatures, drawn on this phone. Queued through the outbox with its client UUID, which the
// photos name as their context, so it can be done in a plant room with no signal. Below the form,
// this month's checks at the property and the quota (when online).
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { apiFetch } from "../api.js";
import { t } from "../i18n.js";
import { newUuid, ownerIdOf } from "../session.js";
import { isoWithOffset } from "../outbox/photo.js";
import { lazyScreen } from "../lazy.js";
import { Camera } from "../components/camera.js";
import { StaffPicker } from "../components/staff-picker.js";
import { ListCard, label, queueAction, shortTime, useLoad } from "./roles/common.js";
import { GUARD_STATUSES, spotCheckBody, spotCheckProblems } from "./roles/duty-rules.js";

const SignaturePad = lazyScreen(() => import("../components/signature.js").then((m) => m.SignaturePad));

/** @typedef {import("../types/contract").User} User */
/** @typedef {import("../types/contract").SpotCheckPage} SpotCheckPage */
/** @typedef {import("./roles/duty-rules.js").SpotCheckForm} SpotCheckForm */
/** @typedef {import("../i18n.js").MessageKey} MessageKey */

/** @returns {SpotCheckForm} */
const blank = () => ({ post: "", guardBy: "account", guard: "", status: null, remarks: "", photos: [], checkerSignature: null, guardSignature: null });

/** @param {{ user: User, propertyId: number }} props */
export function SpotCheckScreen({ user, propertyId }) {
  const [form, setForm] = useState(blank);
  const [checkId, setCheckId] = useState(() => newUuid());
  const [round, setRound] = useState(0); // remounts the pads and camera after a save
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const [saved, setSaved] = useState(0);
  const propertyName = user.assignments?.find((a) => a.property_id === propertyId)?.property_name ?? `#${propertyId}`;
  /** @param {Partial<SpotCheckForm>} change */
  const update = (change) => setForm((f) => ({ ...f, ...change }));
  /** @param {"post" | "guard" | "remarks"} key @returns {(e: Event) => void} */
  const bind = (key) => (e) => update({ [key]: /** @type {HTMLInputElement} */ (e.currentTarget).value });

  async function save() {
    const missing = spotCheckProblems(form);
    if (missing.length > 0) return setProblem(t(/** @type {MessageKey} */ (`spot.missing.${missing[0]}`)));
    setProblem(null);
    await queueAction(user, {
      client_id: checkId,
      url: `/patrol/properties/${propertyId}/spot-checks`,
      body: spotCheckBody(form, isoWithOffset(new Date())),
      label: `${t("spot.title")} ${form.post.trim()}`,
    });
    setSaved((n) => n + 1);
    setForm(blank());
    setCheckId(newUuid());
    setRound((n) => n + 1);
  }

  return html`
    <section class="screen" data-testid="spot-check">
      <h1 class="screen__title">${t("spot.title")} · ${propertyName}</h1>
      ${saved > 0 && html`<p class="notice" role="status" data-testid="spot-saved">${t("spot.saved")}</p>`}
      <div class="form card card--panel" key=${round}>
        <label class="field"><span class="field__label">${t("spot.post")}</span>
          <input class="field__input" maxlength="100" value=${form.post} onInput=${bind("post")} data-testid="spot-post" /></label>
        <div class="actions-2" role="radiogroup" aria-label=${t("spot.guard")}>
          ${/** @type {const} */ (["account", "name"]).map(
            (by) => html`<button type="button" key=${by} role="radio" aria-checked=${form.guardBy === by} data-testid=${`spot-guard-by-${by}`}
              class=${form.guardBy === by ? "btn btn--primary" : "btn btn--ghost"} onClick=${() => update({ guardBy: by, guard: "" })}>
              ${t(by === "account" ? "spot.byAccount" : "spot.byName")}</button>`,
          )}
        </div>
        ${form.guardBy === "account"
          ? html`<${StaffPicker} userId=${ownerIdOf(user)} propertyId=${propertyId} role="guard" value=${form.guard}
              onChange=${(/** @type {string} */ guard) => update({ guard })} typedLabel=${t("spot.guardAccount")} testid="spot-guard" />`
          : html`<label class="field"><span class="field__label">${t("spot.guardName")}</span>
              <input class="field__input" maxlength="100" value=${form.guard} onInput=${bind("guard")} data-testid="spot-guard" /></label>`}
        <p class="field__label">${t("spot.status")}</p>
        <div class="actions-2" role="radiogroup" aria-label=${t("spot.status")}>
          ${GUARD_STATUSES.map(
            (s) => html`<button type="button" key=${s} role="radio" aria-checked=${form.status === s} data-testid=${`spot-status-${s}`}
              class=${form.status === s ? (s === "present_alert" ? "btn btn--primary" : "btn btn--danger") : "btn btn--ghost"}
              onClick=${() => update({ status: s })}>${label("spot.status", s)}</button>`,
          )}
        </div>
        <label class="field"><span class="field__label">${t("spot.remarks")}</span>
          <input class="field__input" maxlength="1000" value=${form.remarks} onInput=${bind("remarks")} data-testid="spot-remarks" /></label>
        <${Camera}
          propertyId=${propertyId}
          propertyName=${propertyName}
          contextType="spot_check"
          contextId=${checkId}
          note=${`${t("spot.title")} ${form.post}`.trim()}
          person=${{ id: ownerIdOf(user), name: user.display_name || user.username || "" }}
          onSaved=${(/** @type {import("../types/outbox").PhotoItem} */ p) => setForm((f) => ({ ...f, photos: [...f.photos, p.client_id] }))}
        />
        ${form.photos.length > 0 && html`<p class="card__meta" data-testid="spot-photos">${t("run.photos", { count: form.photos.length })}</p>`}
        <div data-testid="spot-checker-signature">
          <${SignaturePad} label=${t("spot.checkerSignature")} onChange=${(/** @type {string | null} */ png) => update({ checkerSignature: png })} />
        </div>
        ${form.status !== "absent" &&
        html`<div data-testid="spot-guard-signature">
          <${SignaturePad} label=${t("spot.guardSignature")} onChange=${(/** @type {string | null} */ png) => update({ guardSignature: png })} />
        </div>`}
        ${problem && html`<p class="form__error" role="alert">${problem}</p>`}
        <button type="button" class="btn btn--primary btn--block" onClick=${save} data-testid="spot-save">${t("spot.save")}</button>
      </div>
      <${MonthChecks} propertyId=${propertyId} round=${saved} />
      <a class="btn btn--ghost btn--block" href="#/">${t("app.backHome")}</a>
    </section>
  `;
}

/** This month's checks at the property, newest first (online only; the form works without). */
/** @param {{ propertyId: number, round: number }} props */
function MonthChecks({ propertyId, round }) {
  const state = useLoad(
    () => /** @type {Promise<SpotCheckPage>} */ (apiFetch(`/patrol/properties/${propertyId}/spot-checks?limit=20`)),
    [propertyId, round],
  );
  const items = state.data?.items ?? [];
  return html`
    <${ListCard} testid="spot-list" title=${t("spot.listTitle")} state=${state} note=${items.length === 0 ? t("spot.none") : null}>
      ${items.map(
        (c) => html`<li key=${c.id} data-testid="spot-row">
          <strong>${c.post} · ${label("spot.status", c.status)}</strong>
          <span class="card__meta">${shortTime(c.checked_at)} · ${c.guard_name || (c.guard_user_id ? `#${c.guard_user_id}` : "")}</span>
        </li>`,
      )}
    </${ListCard}>
  `;
}
