// Sign-in: username and password, big targets, and the server's own words when it refuses
// (wrong password, too many attempts with the time to wait).
import { useRef, useState } from "preact/hooks";
import { html } from "../html.js";
import { errorMessage, t } from "../i18n.js";
import { login } from "../api.js";
import { useOutboxStatus } from "../outbox-status.js";

/** @typedef {import("../types/contract").LoginResponse} LoginResponse */
/** @typedef {import("../i18n.js").MessageKey} MessageKey */

/**
 * @param {{ onLoggedIn: (result: LoginResponse) => void, notice?: MessageKey | null }} props
 */
export function LoginScreen({ onLoggedIn, notice = null }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [showPassword, setShowPassword] = useState(false);
  const [busy, setBusy] = useState(false);
  /** @type {[string | null, (value: string | null) => void]} */
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const passwordRef = useRef(/** @type {HTMLInputElement | null} */ (null));
  const outbox = useOutboxStatus();

  /** @param {Event} event */
  async function submit(event) {
    event.preventDefault();
    if (busy) return;
    const name = username.trim();
    if (!name || !password) {
      setError(t("login.required"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await login(name, password);
      onLoggedIn(result);
    } catch (err) {
      setError(errorMessage(/** @type {import("../api.js").ApiError} */ (err)));
      setPassword("");
      passwordRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return html`
    <section class="screen screen--login">
      <div class="brand">
        <img class="brand__icon" src="/icons/icon-192.png" width="72" height="72" alt="" />
        <p class="brand__tagline">${t("app.tagline")}</p>
      </div>
      <h1 class="screen__title">${t("login.title")}</h1>
      ${notice && !error && html`<p class="notice" role="status">${t(notice)}</p>`}
      ${outbox.count > 0 &&
      html`<p class="notice notice--warn" data-testid="login-outbox">${t("outbox.signedOutHint", { count: outbox.count })}</p>`}
      <form class="form" onSubmit=${submit} novalidate>
        <label class="field">
          <span class="field__label">${t("login.username")}</span>
          <input
            class="field__input"
            name="username"
            autocomplete="username"
            autocapitalize="none"
            autocorrect="off"
            spellcheck=${false}
            enterkeyhint="next"
            value=${username}
            onInput=${(/** @type {InputEvent} */ e) => setUsername(/** @type {HTMLInputElement} */ (e.currentTarget).value)}
          />
        </label>
        <label class="field">
          <span class="field__label">${t("login.password")}</span>
          <span class="field__row">
            <input
              ref=${passwordRef}
              class="field__input"
              name="password"
              type=${showPassword ? "text" : "password"}
              autocomplete="current-password"
              enterkeyhint="go"
              value=${password}
              onInput=${(/** @type {InputEvent} */ e) => setPassword(/** @type {HTMLInputElement} */ (e.currentTarget).value)}
            />
            <button
              type="button"
              class="btn btn--ghost field__reveal"
              aria-pressed=${showPassword}
              aria-label=${showPassword ? t("login.hidePassword") : t("login.showPassword")}
              onClick=${() => setShowPassword(!showPassword)}
            >
              ${showPassword ? t("login.hide") : t("login.show")}
            </button>
          </span>
        </label>
        <p class="form__error" role="alert" data-testid="login-error">${error ?? ""}</p>
        <button type="submit" class="btn btn--primary btn--block" disabled=${busy} data-testid="login-submit">
          ${busy ? t("login.submitting") : t("login.submit")}
        </button>
      </form>
    </section>
  `;
}
