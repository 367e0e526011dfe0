// Checkpoint scanning: point the rear camera at the QR label, hold the phone to the NFC tag, or
// type the code printed under the label. All three end in onCode(code, how); the parent decides
// what the code means (a check-in). Typing is always offered: cameras fail, labels fade, and
// iPhones have no Web NFC.
//
// The camera runs through getUserMedia (facingMode environment) into a <video>; frames are
// drawn to a canvas a few times a second and handed to the decoder (scanner-decode.js).
// Screens import this module lazily, so none of it counts against the first screen.
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { frameDecoder, ndefText, nfcAvailable } from "./scanner-decode.js";

/** @typedef {"qr" | "nfc" | "typed"} ScanMethod */
/** @typedef {import("../i18n.js").MessageKey} MessageKey */

// A few tries a second finds a label as fast as a person can aim, without heating the phone.
const FRAME_INTERVAL_MS = 250;
// Decoding cost grows with pixels; a label filling a third of a 640 px frame decodes fine.
const MAX_FRAME_WIDTH = 640;

/**
 * @typedef {object} ScannerProps
 * @property {(code: string, method: ScanMethod) => void} onCode
 * @property {string} [placeholder]
 */

/** @param {ScannerProps} props */
export function Scanner({ onCode, placeholder }) {
  const [camera, setCamera] = useState(/** @type {"off" | "starting" | "on"} */ ("off"));
  const [nfc, setNfc] = useState(false);
  const [problem, setProblem] = useState(/** @type {MessageKey | null} */ (null));
  const [typed, setTyped] = useState("");
  const videoRef = useRef(/** @type {HTMLVideoElement | null} */ (null));
  const canvasRef = useRef(/** @type {HTMLCanvasElement | null} */ (null));
  const stopRef = useRef(/** @type {() => void} */ (() => {}));
  const nfcAbort = useRef(/** @type {AbortController | null} */ (null));
  const handler = useRef(onCode);
  handler.current = onCode;

  // Leaving the screen must release the camera (its light stays on otherwise) and the NFC scan.
  useEffect(() => () => {
    stopRef.current();
    nfcAbort.current?.abort();
  }, []);

  /** @param {string} code @param {ScanMethod} method */
  function found(code, method) {
    stopRef.current();
    nfcAbort.current?.abort();
    setNfc(false);
    handler.current(code.trim(), method);
  }

  async function startCamera() {
    setProblem(null);
    if (!navigator.mediaDevices?.getUserMedia) return setProblem("scanner.noCamera");
    setCamera("starting");
    /** @type {MediaStream} */
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
    } catch (error) {
      setCamera("off");
      const denied = error instanceof DOMException && error.name === "NotAllowedError";
      return setProblem(denied ? "scanner.cameraDenied" : "scanner.noCamera");
    }
    let running = true;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    stopRef.current = () => {
      running = false;
      clearTimeout(timer);
      for (const track of stream.getTracks()) track.stop();
      setCamera("off");
    };
    const video = videoRef.current;
    const canvas = canvasRef.current;
    if (!video || !canvas) return stopRef.current();
    video.srcObject = stream;
    await video.play().catch(() => {});
    setCamera("on");
    const decode = await frameDecoder();
    const tick = async () => {
      if (!running) return;
      if (video.videoWidth > 0) {
        const scale = Math.min(1, MAX_FRAME_WIDTH / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        canvas.getContext("2d", { willReadFrequently: true })?.drawImage(video, 0, 0, canvas.width, canvas.height);
        const code = await decode(canvas).catch(() => null);
        if (code && running) return found(code, "qr");
      }
      timer = setTimeout(tick, FRAME_INTERVAL_MS);
    };
    void tick();
  }

  async function startNfc() {
    setProblem(null);
    const controller = new AbortController();
    nfcAbort.current = controller;
    try {
      const reader = new (/** @type {any} */ (globalThis).NDEFReader)();
      reader.addEventListener("reading", (/** @type {any} */ event) => {
        const code = ndefText(event);
        if (code) found(code, "nfc");
      }, { signal: controller.signal });
      reader.addEventListener("readingerror", () => setProblem("scanner.nfcUnreadable"), { signal: controller.signal });
      await reader.scan({ signal: controller.signal });
      setNfc(true);
    } catch {
      setNfc(false);
      setProblem("scanner.nfcFailed");
    }
  }

  /** @param {Event} event */
  function submitTyped(event) {
    event.preventDefault();
    const code = typed.trim();
    if (!code) return setProblem("scanner.typeRequired");
    setTyped("");
    found(code, "typed");
  }

  return html`
    <div class="scanner" data-testid="scanner">
      <div class=${`scanner__view${camera === "off" ? " is-hidden" : ""}`}>
        <video class="scanner__video" ref=${videoRef} muted playsinline autoplay></video>
        <canvas class="visually-hidden" ref=${canvasRef}></canvas>
        <p class="scanner__aim">${t("scanner.aim")}</p>
      </div>
      ${camera === "off"
        ? html`<button type="button" class="btn btn--primary btn--block" onClick=${startCamera} data-testid="scanner-camera">${t("scanner.scanQr")}</button>`
        : html`<button type="button" class="btn btn--secondary btn--block" onClick=${() => stopRef.current()}>${t("scanner.stop")}</button>`}
      ${nfcAvailable() &&
      html`<button type="button" class="btn btn--secondary btn--block" disabled=${nfc} onClick=${startNfc} data-testid="scanner-nfc">
        ${nfc ? t("scanner.nfcWaiting") : t("scanner.readNfc")}
      </button>`}
      <form class="scanner__type" onSubmit=${submitTyped}>
        <label class="field">
          <span class="field__label">${t("scanner.typeLabel")}</span>
          <span class="field__row">
            <input
              class="field__input"
              name="code"
              autocomplete="off"
              autocapitalize="characters"
              enterkeyhint="go"
              placeholder=${placeholder ?? ""}
              value=${typed}
              data-testid="scanner-typed"
              onInput=${(/** @type {InputEvent} */ e) => setTyped(/** @type {HTMLInputElement} */ (e.currentTarget).value)}
            />
            <button type="submit" class="btn btn--primary" data-testid="scanner-submit">${t("scanner.confirm")}</button>
          </span>
        </label>
      </form>
      ${problem && html`<p class="form__error" role="alert">${t(problem)}</p>`}
    </div>
  `;
}
