import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { fakeFetch, installStorage, jsonResponse } from "./helpers.js";
import {
  ApiError,
  apiFetch,
  changePassword,
  fetchMe,
  login,
  logout,
  setPasswordChangeHandler,
  setUnauthorizedHandler,
} from "../../src/api.js";
import { loadSession, saveSession } from "../../src/session.js";

const USER = {
  id: 7,
  username: "fm1",
  display_name: "王楼管",
  locale: "zh-CN",
  is_admin: false,
  assignments: [{ property_id: 1, property_name: "翠苑", role: "floor_manager" }],
};
const FUTURE = new Date(Date.now() + 3600_000).toISOString();

let unauthorized = 0;
beforeEach(() => {
  installStorage();
  unauthorized = 0;
  setUnauthorizedHandler(() => unauthorized++);
});

/** @returns {Promise<ApiError>} */
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected ApiError, got ${error}`);
    return error;
  }
  assert.fail("expected a rejection");
}

test("login posts JSON with a device id and stores the session", async () => {
  const calls = fakeFetch(() =>
    jsonResponse(200, { token: "tok", token_type: "Bearer", expires_at: FUTURE, user: USER }),
  );
  const result = await login("fm1", "secret");
  assert.equal(result.user.username, "fm1");
  assert.equal(calls[0].url, "/api/v1/auth/login");
  assert.equal(calls[0].init.method, "POST");
  const sent = JSON.parse(calls[0].init.body);
  assert.equal(sent.username, "fm1");
  assert.equal(sent.password, "secret");
  assert.match(sent.device_id, /^[0-9a-f-]{36}$/);
  assert.equal(calls[0].init.headers.Authorization, undefined);
  assert.equal(loadSession()?.token, "tok");
});

test("a wrong password is an error for the screen, not a session expiry", async () => {
  saveSession({ token: "old", expiresAt: FUTURE, user: USER }); // even with a stale session around
  fakeFetch(() => jsonResponse(401, { code: "invalid_credentials", message: "Wrong username or password." }));
  const error = await rejection(login("fm1", "nope"));
  assert.equal(error.status, 401);
  assert.equal(error.code, "invalid_credentials");
  assert.equal(error.message, "Wrong username or password.");
  assert.equal(unauthorized, 0);
});

test("wrong passwords and throttled logins keep code, details and Retry-After", async () => {
  fakeFetch(() =>
    jsonResponse(
      401,
      { code: "invalid_credentials", message: "Wrong.", details: { message_zh: "错误。" } },
      { "Retry-After": "15" },
    ),
  );
  const wrong = await rejection(login("fm1", "x"));
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.details, { message_zh: "错误。" });
  assert.equal(wrong.retryAfter, 15);

  fakeFetch(() => jsonResponse(429, { code: "too_many_attempts", message: "Slow down." }, { "Retry-After": "120" }));
  const throttled = await rejection(login("fm1", "x"));
  assert.equal(throttled.code, "too_many_attempts");
  assert.equal(throttled.retryAfter, 120);
});

test("a 401 on an authenticated request ends the session and calls the handler", async () => {
  saveSession({ token: "tok", expiresAt: FUTURE, user: USER });
  const calls = fakeFetch(() => jsonResponse(401, { code: "unauthenticated", message: "Token expired." }));
  const error = await rejection(fetchMe());
  assert.equal(calls[0].init.headers.Authorization, "Bearer tok");
  assert.equal(error.code, "unauthenticated");
  assert.equal(unauthorized, 1);
  assert.equal(loadSession(), null);
});

test("bodies that are not our error shape still give a usable error", async () => {
  fakeFetch(() => new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }));
  const proxy = await rejection(apiFetch("/anything"));
  assert.equal(proxy.status, 502);
  assert.equal(proxy.code, "http_502");
  assert.equal(proxy.message, "Bad Gateway");

  // flask-smorest's own errors (e.g. a schema validation) carry the numeric status as code.
  fakeFetch(() => jsonResponse(422, { code: 422, status: "Unprocessable Entity", message: "Bad input." }));
  const smorest = await rejection(apiFetch("/anything", { method: "POST", body: {} }));
  assert.equal(smorest.code, "http_422");
  assert.equal(smorest.message, "Bad input.");
});

test("no answer at all becomes network_error or timeout with status 0", async () => {
  fakeFetch(() => Promise.reject(new TypeError("Failed to fetch")));
  const offline = await rejection(apiFetch("/auth/me"));
  assert.equal(offline.status, 0);
  assert.equal(offline.code, "network_error");

  fakeFetch(
    (_url, init) =>
      new Promise((_resolve, reject) => init.signal.addEventListener("abort", () => reject(new Error("aborted")))),
  );
  const slow = await rejection(apiFetch("/auth/me", { timeoutMs: 20 }));
  assert.equal(slow.code, "timeout");
});

test("204 resolves to undefined; logout clears the device even when the server is unreachable", async () => {
  saveSession({ token: "tok", expiresAt: FUTURE, user: USER });
  const calls = fakeFetch(() => new Response(null, { status: 204 }));
  assert.equal(await apiFetch("/auth/logout", { method: "POST" }), undefined);
  assert.equal(calls[0].init.headers.Authorization, "Bearer tok");

  fakeFetch(() => Promise.reject(new TypeError("Failed to fetch")));
  await logout();
  assert.equal(loadSession(), null);
});

test("an expired stored session is dropped", () => {
  saveSession({ token: "tok", expiresAt: new Date(Date.now() - 1000).toISOString(), user: USER });
  assert.equal(loadSession(), null);
  assert.equal(localStorage.getItem("xj.session"), null);
});

test("a refused token ends its session, but a late refusal never ends a newer one", async () => {
  const { sessionRejected } = await import("../../src/api.js");
  saveSession({ token: "new", expiresAt: FUTURE, user: USER });
  sessionRejected({ status: 401, code: "unauthenticated", message: "Expired." }, "old");
  assert.equal(loadSession()?.token, "new");
  assert.equal(unauthorized, 0);
  sessionRejected({ status: 401, code: "unauthenticated", message: "Expired." }, "new");
  assert.equal(loadSession(), null);
  assert.equal(unauthorized, 1);
});

test("a 403 password_change_required marks the session; changing the password clears it", async () => {
  saveSession({ token: "t1", expiresAt: "2999-01-01T00:00:00Z", user: { id: 1, username: "fm1", must_change_password: false } });
  let asked = 0;
  setPasswordChangeHandler(() => asked++);
  fakeFetch(() => jsonResponse(403, { code: "password_change_required", message: "Change it." }));
  const refused = await rejection(apiFetch("/properties"));
  assert.equal(refused.code, "password_change_required");
  assert.equal(asked, 1);
  assert.equal(loadSession()?.token, "t1"); // still signed in: the token may change the password
  assert.equal(loadSession()?.user.must_change_password, true);

  /** @type {{ url: string, body: unknown }[]} */
  const sent = [];
  fakeFetch((url, init) => {
    sent.push({ url: String(url), body: JSON.parse(String(init?.body)) });
    return new Response(null, { status: 204 });
  });
  await changePassword("old-pass-1", "new-pass-2");
  assert.deepEqual(sent, [{ url: "/api/v1/auth/password", body: { old_password: "old-pass-1", new_password: "new-pass-2" } }]);
  assert.equal(loadSession()?.user.must_change_password, false);
});
