// "扫码与签名测试": the scanner and the signature pad on their own, so a person can check before a
// shift that the camera permission, NFC and the pad work on this phone (and so the end-to-end
// tests reach both components without a patrol or a notice to sign).
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { Scanner } from "../components/scanner.js";
import { SignaturePad } from "../components/signature.js";
import { dataUrlBytes } from "../components/signature-image.js";

export function ToolsScreen() {
  const [scan, setScan] = useState(/** @type {{ code: string, method: import("../components/scanner.js").ScanMethod } | null} */ (null));
  const [png, setPng] = useState(/** @type {string | null} */ (null));
  return html`
    <section class="screen">
      <h1 class="screen__title">${t("tools.title")}</h1>
      <p class="card__meta">${t("tools.hint")}</p>
      <article class="card card--capture">
        <h2 class="card__title">${t("tools.scanTitle")}</h2>
        <${Scanner} onCode=${(/** @type {string} */ code, /** @type {import("../components/scanner.js").ScanMethod} */ method) => setScan({ code, method })} />
        ${scan && html`<p class="notice" role="status" data-testid="scan-result">
          ${t("tools.scanned", { code: scan.code, method: t(/** @type {import("../i18n.js").MessageKey} */ (`tools.method.${scan.method}`)) })}
        </p>`}
      </article>
      <article class="card card--capture">
        <h2 class="card__title">${t("tools.signTitle")}</h2>
        <${SignaturePad} onChange=${setPng} />
        <p class="card__meta" data-testid="signature-status">
          ${png ? t("tools.signed", { kb: (dataUrlBytes(png) / 1024).toFixed(1) }) : t("tools.unsigned")}
        </p>
        ${png && html`<img class="signature__preview" src=${png} alt="" data-testid="signature-png" />`}
      </article>
      <a class="btn btn--secondary btn--block" href="#/">${t("app.backHome")}</a>
    </section>
  `;
}
