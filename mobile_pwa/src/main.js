// Entry point named by index.html: mount the app, then register the service worker.
import { render } from "preact";
import { html } from "./html.js";
import { App } from "./app.js";
import { registerServiceWorker } from "./sw-client.js";

const root = document.getElementById("app");
if (root) {
  root.textContent = ""; // drop the "loading" placeholder rather than hydrating it
  render(html`<${App} />`, root);
}
registerServiceWorker();
