// The root component: session, language and route. Screens receive what they need as props and
// report back through callbacks; nothing else holds global UI state.
import { useCallback, useEffect, useState } from "preact/hooks";
import { html } from "./html.js";
import { adoptUserLocale, getLocale, initLocale, setLocale, t } from "./i18n.js";
import { fetchMe, logout, setPasswordChangeHandler, setUnauthorizedHandler } from "./api.js";
import { loadSession, updateSessionUser } from "./session.js";
import { navigate, useRoute } from "./router.js";
import { TopBar } from "./components/topbar.js";
import { UpdateBanner } from "./components/update-banner.js";
import { LoginScreen } from "./screens/login.js";
import { ChangePasswordScreen } from "./screens/change-password.js";
import { lazyScreen } from "./lazy.js";
import { loadOutbox, outboxWanted } from "./outbox-status.js";

const HomeScreen = lazyScreen(() => import("./screens/home.js").then((m) => m.HomeScreen));
const OutboxScreen = lazyScreen(() => import("./screens/outbox.js").then((m) => m.OutboxScreen));
const PatrolRunScreen = lazyScreen(() => import("./screens/patrol-run.js").then((m) => m.PatrolRunScreen));
const InspectionScreen = lazyScreen(() => import("./screens/inspection.js").then((m) => m.InspectionScreen));
const SpotCheckScreen = lazyScreen(() => import("./screens/spot-check.js").then((m) => m.SpotCheckScreen));
const HandoverScreen = lazyScreen(() => import("./screens/handover.js").then((m) => m.HandoverScreen));
const NoticeScreen = lazyScreen(() => import("./screens/notice.js").then((m) => m.NoticeScreen));
const NotificationsScreen = lazyScreen(() => import("./screens/notifications.js").then((m) => m.NotificationsScreen));
const ToolsScreen = lazyScreen(() => import("./screens/tools.js").then((m) => m.ToolsScreen));
const SetupScreen = lazyScreen(() => import("./screens/setup/setup.js").then((m) => m.SetupScreen));

/** @typedef {import("./session.js").Session} Session */
/** @typedef {import("./types/contract").LoginResponse} LoginResponse */
/** @typedef {import("./i18n.js").MessageKey} MessageKey */

export function App() {
  const [session, setSession] = useState(() => loadSession());
  const [, setLocaleState] = useState(() => initLocale(session?.user.locale));
  /** @type {[MessageKey | null, (key: MessageKey | null) => void]} */
  const [notice, setNotice] = useState(/** @type {MessageKey | null} */ (null));
  const route = useRoute();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setSession(null);
      setNotice("login.sessionExpired");
      navigate("/login", { replace: true });
    });
    setPasswordChangeHandler(() => setSession(loadSession()));
  }, []);

  // Refresh the user (assignments may have changed) whenever a session starts; offline, the stored
  // copy from the login response is used as it is.
  const token = session?.token;
  useEffect(() => {
    if (!token) return;
    fetchMe()
      .then((user) => {
        updateSessionUser(user);
        setSession((s) => (s && s.token === token ? { ...s, user } : s));
      })
      .catch(() => {}); // offline or 401: the latter is handled by the unauthorized handler
  }, [token]);

  // The outbox starts with a session (and lets the queue flow again after each sign-in), or
  // signed out when it holds something, so the badge counts it. Not otherwise: its modules are not
  // part of the first screen.
  useEffect(() => {
    if (!outboxWanted(Boolean(token))) return;
    loadOutbox()
      .then((runtime) => token && runtime.sessionChanged())
      .catch((error) => console.warn("outbox not started", error));
  }, [token]);

  // Route guard: signed out → login; signed in → never the login screen.
  const path = route.path;
  useEffect(() => {
    if (!session && path !== "/login") navigate("/login", { replace: true });
    if (session && path === "/login") navigate("/", { replace: true });
  }, [session, path]);

  const toggleLocale = useCallback(() => {
    const next = getLocale() === "zh-CN" ? "en" : "zh-CN";
    setLocale(next);
    setLocaleState(next);
  }, []);

  /** @param {LoginResponse} result */
  function loggedIn(result) {
    adoptUserLocale(result.user.locale);
    setLocaleState(getLocale());
    setNotice(null);
    setSession(loadSession());
    navigate("/", { replace: true });
  }

  async function loggedOut() {
    // Loaded only now: notify.js is not part of the first screen.
    await import("./notify.js").then((m) => m.dropPushSubscription()).catch(() => {});
    await logout();
    setSession(null);
    setNotice("login.loggedOut");
    navigate("/login", { replace: true });
  }

  function passwordChanged() {
    setNotice(null);
    setSession(loadSession());
    navigate("/", { replace: true });
  }

  let screen;
  if (!session) {
    screen = html`<${LoginScreen} onLoggedIn=${loggedIn} notice=${notice} />`;
  } else if (session.user.must_change_password) {
    // The server refuses everything else until then (403 password_change_required).
    screen = html`<${ChangePasswordScreen} user=${session.user} onChanged=${passwordChanged} onLogout=${loggedOut} />`;
  } else if (path === "/") {
    screen = html`<${HomeScreen} user=${session.user} onLogout=${loggedOut} />`;
  } else if (path === "/outbox") {
    screen = html`<${OutboxScreen} />`;
  } else if (/^\/run\/\d+$/.test(path)) {
    screen = html`<${PatrolRunScreen} key=${path} user=${session.user} runId=${Number(path.slice(5))} />`;
  } else if (/^\/inspect\/\d+$/.test(path)) {
    screen = html`<${InspectionScreen} key=${path} user=${session.user} renovationId=${Number(path.slice(9))}
      propertyId=${Number(route.query.get("p") ?? 0)} unitLabel=${route.query.get("u") ?? ""} />`;
  } else if (/^\/spot-check\/\d+$/.test(path)) {
    screen = html`<${SpotCheckScreen} key=${path} user=${session.user} propertyId=${Number(path.slice(12))} />`;
  } else if (/^\/handover\/\d+$/.test(path)) {
    screen = html`<${HandoverScreen} key=${path} user=${session.user} propertyId=${Number(path.slice(10))} />`;
  } else if (/^\/notices\/\d+$/.test(path)) {
    screen = html`<${NoticeScreen} key=${path} user=${session.user} renovationId=${Number(path.slice(9))}
      propertyId=${Number(route.query.get("p") ?? 0)} unitLabel=${route.query.get("u") ?? ""} />`;
  } else if (path === "/notifications") {
    screen = html`<${NotificationsScreen} user=${session.user} />`;
  } else if (/^\/setup\/\d+(\/\w+)?$/.test(path)) {
    const [, , pid, section = ""] = path.split("/");
    screen = html`<${SetupScreen} key=${`setup-${pid}`} user=${session.user} propertyId=${Number(pid)} section=${section} />`;
  } else if (path === "/tools") {
    screen = html`<${ToolsScreen} />`;
  } else {
    screen = html`<${NotFound} />`;
  }

  return html`
    <${UpdateBanner} />
    <${TopBar} onToggleLocale=${toggleLocale} signedIn=${Boolean(session)} />
    <main class="main" id="main">${screen}</main>
  `;
}

function NotFound() {
  return html`
    <section class="screen">
      <h1 class="screen__title">${t("app.notFound")}</h1>
      <a class="btn btn--primary btn--block" href="#/">${t("app.backHome")}</a>
    </section>
  `;
}
