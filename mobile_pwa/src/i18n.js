// All UI text goes through t(). Simplified Chinese is the default and the complete set; English is
// offered by a toggle. Lookup falls back to Chinese, then to the key itself, so a missing
// translation shows something a person can report instead of an empty button.
import zhCN from "./locales/zh-CN.js";
import en from "./locales/en.js";
import { readItem, writeItem } from "./storage.js";

/** @typedef {keyof typeof zhCN} MessageKey */
/** @typedef {"zh-CN" | "en"} Locale */
/** @typedef {Partial<Record<string, string>>} Dictionary */

export const DEFAULT_LOCALE = /** @type {Locale} */ ("zh-CN");
/** @type {Record<Locale, Dictionary>} */
export const DICTIONARIES = { "zh-CN": zhCN, en };
const STORAGE_KEY = "xj.locale";

/** @type {Locale} */
let current = DEFAULT_LOCALE;

/**
 * Maps a BCP 47 tag to a supported locale: any Chinese → zh-CN (the only Chinese we have is still
 * closer than English for a zh-TW reader), any English → en, anything else → null.
 * @param {string | null | undefined} tag
 * @returns {Locale | null}
 */
export function matchLocale(tag) {
  const lower = (tag ?? "").toLowerCase();
  if (lower === "zh" || lower.startsWith("zh-")) return "zh-CN";
  if (lower === "en" || lower.startsWith("en-")) return "en";
  return null;
}

/**
 * The locale to start with: the choice made on this device, else the user's server-side locale,
 * else the browser's languages, else Chinese.
 * @param {{ stored?: string | null, userLocale?: string | null, languages?: readonly string[] }} sources
 * @returns {Locale}
 */
export function pickLocale({ stored, userLocale, languages = [] }) {
  for (const tag of [stored, userLocale, ...languages]) {
    const locale = matchLocale(tag);
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}

/**
 * Pure lookup, exported for the tests; t() is this with the module's dictionaries and locale.
 * @param {Record<string, Dictionary>} dictionaries
 * @param {string} locale
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 */
export function translate(dictionaries, locale, key, params) {
  const text = dictionaries[locale]?.[key] ?? dictionaries[DEFAULT_LOCALE]?.[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/**
 * @param {MessageKey} key
 * @param {Record<string, string | number>} [params]
 */
export function t(key, params) {
  return translate(DICTIONARIES, current, key, params);
}

/**
 * For keys built at run time (roles, error codes): true when the key has a text.
 * @param {string} key
 * @returns {key is MessageKey}
 */
export function hasMessage(key) {
  return key in DICTIONARIES[DEFAULT_LOCALE];
}

/** @returns {Locale} */
export function getLocale() {
  return current;
}

/** Called once at start. @param {string | null} [userLocale] */
export function initLocale(userLocale) {
  const languages = globalThis.navigator?.languages ?? [globalThis.navigator?.language ?? ""];
  applyLocale(pickLocale({ stored: readItem(STORAGE_KEY), userLocale, languages }));
  return current;
}

/**
 * After login, the user's server-side locale applies unless this device has an explicit choice.
 * @param {string | null | undefined} userLocale
 */
export function adoptUserLocale(userLocale) {
  if (readItem(STORAGE_KEY)) return current;
  const locale = matchLocale(userLocale);
  if (locale) applyLocale(locale);
  return current;
}

/** The toggle: an explicit choice, remembered on this device. @param {Locale} locale */
export function setLocale(locale) {
  writeItem(STORAGE_KEY, locale);
  applyLocale(locale);
}

/** @param {Locale} locale */
function applyLocale(locale) {
  current = locale;
  if (globalThis.document) document.documentElement.lang = locale;
}

/**
 * The text to show for a failed request. Chinese readers get the server's message_zh, else our
 * own text for the error code, and only then the server's English; English readers get the
 * server's message, which may be more specific than ours (e.g. when a lock ends).
 * @param {{ status?: number, code?: string, message?: string, details?: Record<string, unknown> }} error
 */
export function errorMessage(error) {
  const known = `error.${error.code}`;
  const local = hasMessage(known) ? t(known) : null;
  const zh = error.details?.message_zh;
  const serverSpoke = error.code !== "network_error" && error.code !== "timeout";
  const server = serverSpoke && error.message ? error.message : null;
  const generic = t("error.generic", { status: error.status ?? "?" });
  if (current === "zh-CN") return (typeof zh === "string" && zh) || local || server || generic;
  return server || local || generic;
}

/**
 * "3 小时前" / "3 hours ago", "2 分钟后" / "in 2 minutes": how long ago (or until) `then`, in
 * the unit a person would use. Under 10 seconds either way is "刚刚 / just now".
 * @param {number} then epoch ms
 * @param {number} [now]
 * @param {string} [locale]
 */
export function relativeTime(then, now = Date.now(), locale = current) {
  const seconds = Math.round((then - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 10) return translate(DICTIONARIES, locale, "time.justNow");
  /** @type {[number, Intl.RelativeTimeFormatUnit]} */
  const [value, unit] =
    abs < 60
      ? [seconds, "second"]
      : abs < 3600
        ? [Math.round(seconds / 60), "minute"]
        : abs < 86_400
          ? [Math.round(seconds / 3600), "hour"]
          : [Math.round(seconds / 86_400), "day"];
  return new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(value, unit);
}
