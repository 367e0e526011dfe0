import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { installStorage } from "./helpers.js";
import zhCN from "../../src/locales/zh-CN.js";
import en from "../../src/locales/en.js";
import {
  DEFAULT_LOCALE,
  adoptUserLocale,
  errorMessage,
  getLocale,
  initLocale,
  matchLocale,
  pickLocale,
  setLocale,
  t,
  translate,
} from "../../src/i18n.js";

beforeEach(() => {
  installStorage();
  initLocale(null); // node has no navigator.languages: the default applies
});

test("Chinese is the default", () => {
  assert.equal(DEFAULT_LOCALE, "zh-CN");
  assert.equal(getLocale(), "zh-CN");
  assert.equal(t("login.submit"), "登录");
});

test("a key missing in a locale falls back to Chinese, then to the key itself", () => {
  const dictionaries = { "zh-CN": { only_zh: "只有中文", both: "都有" }, en: { both: "both" } };
  assert.equal(translate(dictionaries, "en", "both"), "both");
  assert.equal(translate(dictionaries, "en", "only_zh"), "只有中文");
  assert.equal(translate(dictionaries, "en", "nowhere"), "nowhere");
  assert.equal(translate(dictionaries, "fr", "both"), "都有");
});

test("parameters are filled in, unknown ones left visible", () => {
  const dictionaries = { "zh-CN": { hi: "你好，{name}{suffix}" } };
  assert.equal(translate(dictionaries, "zh-CN", "hi", { name: "王" }), "你好，王{suffix}");
});

test("English has exactly the Chinese keys, none empty", () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(zhCN).sort());
  for (const [key, text] of Object.entries(en)) assert.ok(text.trim(), `en ${key} is empty`);
});

test("browser languages map to the locales we have", () => {
  assert.equal(matchLocale("zh-TW"), "zh-CN");
  assert.equal(matchLocale("zh"), "zh-CN");
  assert.equal(matchLocale("en-GB"), "en");
  assert.equal(matchLocale("fr-FR"), null);
  assert.equal(matchLocale(undefined), null);
  assert.equal(pickLocale({ languages: ["fr", "en-US"] }), "en");
  assert.equal(pickLocale({ languages: ["fr"] }), "zh-CN");
});

test("a choice made on the device beats the user's and the browser's", () => {
  assert.equal(pickLocale({ stored: "en", userLocale: "zh-CN", languages: ["zh-CN"] }), "en");
  assert.equal(pickLocale({ stored: null, userLocale: "en", languages: ["zh-CN"] }), "en");
});

test("the toggle is remembered and beats the user's server locale", () => {
  setLocale("en");
  assert.equal(t("login.submit"), "Sign in");
  assert.equal(localStorage.getItem("xj.locale"), "en");
  assert.equal(adoptUserLocale("zh-CN"), "en");
  assert.equal(initLocale(null), "en");
});

test("without a device choice the user's locale is adopted at login", () => {
  assert.equal(adoptUserLocale("en"), "en");
  assert.equal(t("home.logout"), "Sign out");
});

test("errors: Chinese prefers the server's message_zh, then our text for the code", () => {
  const locked = {
    status: 429,
    code: "too_many_attempts",
    message: "Try again in 15 seconds.",
    details: { message_zh: "请 15 秒后再试。" },
  };
  assert.equal(errorMessage(locked), "请 15 秒后再试。");
  assert.equal(errorMessage({ ...locked, details: {} }), zhCN["error.too_many_attempts"]);
  const unknown = { status: 418, code: "teapot", message: "I am a teapot." };
  assert.equal(errorMessage(unknown), "I am a teapot.");
  assert.equal(errorMessage({ status: 500, code: "http_500", message: "" }), "出错了，请重试。（500）");
});

test("errors: English prefers the server's message, but not for network failures", () => {
  setLocale("en");
  const wrong = { status: 401, code: "invalid_credentials", message: "Wrong username or password (2 tries left)." };
  assert.equal(errorMessage(wrong), "Wrong username or password (2 tries left).");
  assert.equal(
    errorMessage({ status: 0, code: "network_error", message: "Cannot reach the server." }),
    en["error.network_error"],
  );
});
