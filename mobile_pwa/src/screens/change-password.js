// Setting a new password: shown instead of every other screen while the account must change it
// (a new account, or after an administrator's reset); the server refuses everything else until
// then. The session stays; other sessions of the account end on the server.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { errorMessage, t } from "../i18n.js";
import { changePassword } from "../api.js";

/** @typedef {import("../types/contract").User} User */

/** @param {(value: string) => void} set */
const onText = (set) => (/** @type {InputEvent} */ e) => set(/** @type {HTMLInputElement} */ (e.currentTarget).value);

/**
 * @param {{ user: User, onChanged: () => void, onLogout: () => void }} props
 */
export function ChangePasswordScreen({ user, onChanged, onLogout }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {string | null} */ (null));

  /** @param {Event} event */
  async function submit(event) {
    event.preventDefault();
    if (busy) return;
    if (!current || !next) return setError(t("password.required"));
    if (next !== repeat) return setError(t("password.mismatch"));
    setBusy(true);
    setError(null);
    try {
      await changePassword(current, next);
      onChanged();
    } catch (err) {
      setError(errorMessage(/** @type {import("../api.js").ApiError} */ (err)));
    } finally {
      setBusy(false);
    }
  }

  return html`
    <section class="screen" data-testid="change-password">
      <h1 class="screen__title">${t("password.title")}</h1>
      <p class="notice" role="status">${t("password.intro", { name: user.display_name ?? user.username ?? "" })}</p>
      <form class="form" onSubmit=${submit} novalidate>
        <label class="field">
          <span class="field__label">${t("password.current")}</span>
          <input class="field__input" name="current-password" type="password" autocomplete="current-password"
            value=${current} onInput=${onText(setCurrent)} />
        </label>
        <label class="field">
          <span class="field__label">${t("password.new")}</span>
          <input class="field__input" name="new-password" type="password" autocomplete="new-password" minlength="8"
            value=${next} onInput=${onText(setNext)} />
        </label>
        <label class="field">
          <span class="field__label">${t("password.repeat")}</span>
          <input class="field__input" name="repeat-password" type="password" autocomplete="new-password"
            value=${repeat} onInput=${onText(setRepeat)} />
        </label>
        <p class="form__error" role="alert" data-testid="password-error">${error ?? ""}</p>
        <button type="submit" class="btn btn--primary btn--block" disabled=${busy} data-testid="password-submit">
          ${busy ? t("password.submitting") : t("password.submit")}
        </button>
      </form>
      <button type="button" class="btn btn--ghost btn--block" onClick=${onLogout}>${t("home.logout")}</button>
    </section>
  `;
}
