// Daily renovation inspection (装修日常巡查, #/inspect/<renovation id>?p=<property>&u=<unit>): every
// checklist item OK / violation / not applicable. A violation needs a note and a photo (the server
// refuses it otherwise); its photos name the inspection's client UUID, made when the screen opens,
// so they may reach the server before or after the inspection. Everything goes through the
// outbox; the checklist is kept on the phone, so the screen opens in a basement with no signal.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { INSPECTION_RESULTS } from "../api-enums.js";
import { apiFetch } from "../api.js";
import { getLocale, t } from "../i18n.js";
import { readItem, writeItem } from "../storage.js";
import { isoWithOffset } from "../outbox/photo.js";
import { newUuid, ownerIdOf } from "../session.js";
import { Camera } from "../components/camera.js";
import { LoadState, queueAction, useLoad } from "./roles/common.js";
import { inspectionProblems, inspectionResults } from "./roles/work-rules.js";
import { noticesHref } from "./roles/renovation-sites.js";

/** @typedef {import("../types/contract").User} User */
/** @typedef {import("../types/contract").Checklist} Checklist */
/** @typedef {import("../types/contract").ChecklistItem} ChecklistItem */
/** @typedef {import("../types/contract").Suggestion} Suggestion */
/** @typedef {import("./roles/work-rules.js").Answer} Answer */
/** @typedef {import("./roles/work-rules.js").ItemResult} ItemResult */
/** @typedef {import("../i18n.js").MessageKey} MessageKey */

const CHECKLIST_KEY = "xj.checklist";
const RESULTS = INSPECTION_RESULTS;

/** The current checklist, from the server or (offline) the copy kept from the last time. */
async function loadChecklist() {
  try {
    const list = /** @type {Checklist} */ (await apiFetch("/renovation/checklist"));
    writeItem(CHECKLIST_KEY, JSON.stringify(list));
    return list;
  } catch (error) {
    const kept = readItem(CHECKLIST_KEY);
    if (kept) return /** @type {Checklist} */ (JSON.parse(kept));
    throw error;
  }
}

/**
 * Items to answer: current, not retired, in the checklist's order.
 * @param {Checklist} checklist
 */
export function activeItems(checklist) {
  return (checklist.items ?? []).filter((i) => i.kind === "item" && !i.retired).sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
}

/**
 * @param {{ user: User, renovationId: number, propertyId: number, unitLabel: string }} props
 */
export function InspectionScreen({ user, renovationId, propertyId, unitLabel }) {
  const state = useLoad(async () => {
    const checklist = await loadChecklist();
    // The server's pre-ticks (e.g. work outside the permitted hours); offline there are none.
    const suggestion = /** @type {Suggestion | null} */ (
      await apiFetch(`/renovation/renovations/${renovationId}/suggestions`).catch(() => null)
    );
    return { checklist, suggested: /** @type {string[]} */ (suggestion?.suggested_items ?? []) };
  }, [renovationId]);
  const [inspectionId, setInspectionId] = useState(() => newUuid());
  const [answers, setAnswers] = useState(/** @type {Record<string, Answer>} */ ({}));
  const [note, setNote] = useState("");
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const [saved, setSaved] = useState(false);
  const zh = getLocale() === "zh-CN";
  const items = state.data ? activeItems(state.data.checklist) : [];
  const propertyName = user.assignments?.find((a) => a.property_id === propertyId)?.property_name ?? `#${propertyId}`;

  /** @param {string} code */
  const answerOf = (code) => answers[code] ?? { result: /** @type {ItemResult} */ ("ok"), note: "", photos: [] };
  /** @param {string} code @param {Partial<Answer>} change */
  const update = (code, change) => setAnswers((all) => ({ ...all, [code]: { ...answerOf(code), ...all[code], ...change } }));

  async function save() {
    const problems = inspectionProblems(answers);
    if (problems.length > 0) {
      const first = problems[0];
      return setProblem(t(first.missing[0] === "note" ? "inspect.noteRequired" : "inspect.photoRequired", { code: first.code }));
    }
    setProblem(null);
    await queueAction(user, {
      client_id: inspectionId,
      url: `/renovation/renovations/${renovationId}/inspections`,
      body: {
        checklist_version: state.data?.checklist.number,
        inspected_at: isoWithOffset(new Date()),
        rest: "ok",
        results: inspectionResults(answers),
        note: note.trim(),
      },
      label: `${t("inspect.title")} ${unitLabel}`,
    });
    setSaved(true);
    setAnswers({});
    setInspectionId(newUuid());
  }

  const violations = Object.values(answers).filter((a) => a.result === "violation").length;
  return html`
    <section class="screen" data-testid="inspection">
      <h1 class="screen__title">${t("inspect.title")} · ${unitLabel || `#${renovationId}`}</h1>
      <${LoadState} state=${state} />
      ${saved
        ? html`<p class="notice" role="status" data-testid="inspect-saved">${t("inspect.saved")}</p>
            <a class="btn btn--secondary btn--block" href=${noticesHref(renovationId, propertyId, unitLabel)} data-testid="inspect-notices">${t("rn.title")}</a>`
        : state.data &&
          html`<p class="card__meta">${t("inspect.hint", { count: items.length, version: state.data.checklist.number ?? "" })}</p>
            <ol class="checklist">
              ${items.map((item) => {
                const code = item.code ?? "";
                const a = answerOf(code);
                const suggested = state.data?.suggested.includes(code);
                return html`<li key=${code} class=${`checklist__item is-${a.result}`} data-testid="check-item" data-code=${code}>
                  <p class="checklist__name"><strong>${zh || !item.name_en ? item.name_zh : item.name_en}</strong>
                    <span class="card__meta"> ${code}${item.severity ? ` · ${item.severity}` : ""}</span></p>
                  ${suggested && html`<p class="flag">${t("inspect.suggested")}</p>`}
                  <div class="actions-3" role="radiogroup" aria-label=${code}>
                    ${RESULTS.map(
                      (r) => html`<button type="button" key=${r} role="radio" aria-checked=${a.result === r} data-testid=${`check-${r}`}
                        class=${a.result === r ? (r === "violation" ? "btn btn--danger" : "btn btn--primary") : "btn btn--ghost"}
                        onClick=${() => update(code, { result: r })}>${t(/** @type {MessageKey} */ (`inspect.result.${r}`))}</button>`,
                    )}
                  </div>
                  ${a.result === "violation" &&
                  html`<div class="form card--capture">
                    <label class="field"><span class="field__label">${t("inspect.violationNote")}</span>
                      <input class="field__input" maxlength="1000" value=${a.note} data-testid="check-note"
                        onInput=${(/** @type {InputEvent} */ e) => update(code, { note: /** @type {HTMLInputElement} */ (e.currentTarget).value })} /></label>
                    <${Camera}
                      propertyId=${propertyId}
                      propertyName=${propertyName}
                      contextType="renovation_item"
                      contextId=${inspectionId}
                      note=${`${code} ${a.note}`.trim()}
                      person=${{ id: ownerIdOf(user), name: user.display_name || user.username || "" }}
                      onSaved=${(/** @type {import("../types/outbox").PhotoItem} */ p) =>
                        setAnswers((all) => ({ ...all, [code]: { ...answerOf(code), ...all[code], photos: [...(all[code]?.photos ?? []), p.client_id] } }))}
                    />
                    ${a.photos.length > 0 && html`<p class="card__meta" data-testid="check-photos">${t("run.photos", { count: a.photos.length })}</p>`}
                  </div>`}
                </li>`;
              })}
            </ol>
            <label class="field"><span class="field__label">${t("inspect.note")}</span>
              <input class="field__input" maxlength="1000" value=${note}
                onInput=${(/** @type {InputEvent} */ e) => setNote(/** @type {HTMLInputElement} */ (e.currentTarget).value)} /></label>
            ${problem && html`<p class="form__error" role="alert">${problem}</p>`}
            <button type="button" class="btn btn--primary btn--block" onClick=${save} data-testid="inspect-save">
              ${violations > 0 ? t("inspect.saveViolations", { count: violations }) : t("inspect.saveAllOk")}
            </button>`}
      <a class="btn btn--ghost btn--block" href="#/">${t("app.backHome")}</a>
    </section>
  `;
}
