// A tiny hash router. Hash routes keep every screen at the URL "/", the one page the service
// worker serves offline, and need nothing from the server.
import { useEffect, useState } from "preact/hooks";

/**
 * "#/patrol/12?tab=log" → { path: "/patrol/12", query: URLSearchParams("tab=log") }
 * @param {string} hash
 */
export function parseHash(hash) {
  const raw = hash.replace(/^#/, "") || "/";
  const [pathPart, search = ""] = raw.split("?", 2);
  const path = "/" + pathPart.split("/").filter(Boolean).join("/");
  return { path, query: new URLSearchParams(search) };
}

/**
 * @param {string} path
 * @param {{ replace?: boolean }} [options] replace: do not leave the current screen in history
 */
export function navigate(path, { replace = false } = {}) {
  const hash = `#${path}`;
  if (location.hash === hash) return;
  if (replace) {
    history.replaceState(history.state, "", hash);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    location.hash = hash;
  }
}

/** The current route; re-renders the caller on every hash change. */
export function useRoute() {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return route;
}
