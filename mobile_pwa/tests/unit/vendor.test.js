// vendor/ must be what `npm run vendor` makes from the pinned packages, and the import map must
// point at files that exist: a stale or hand-edited vendored library fails here, not on a phone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { VENDORED, installedVersion, vendoredText } from "../../scripts/vendor.mjs";
import { ROOT } from "../../scripts/stamp_sw.mjs";

test("vendored files equal the installed packages (else: npm run vendor)", () => {
  const versions = readFileSync(join(ROOT, "vendor/VERSIONS.md"), "utf8");
  for (const item of VENDORED) {
    const vendored = readFileSync(join(ROOT, "vendor", item.to), "utf8");
    assert.equal(vendored, vendoredText(item), `vendor/${item.to} is stale`);
    assert.ok(versions.includes(`${item.pkg}@${installedVersion(item.pkg)}`), `VERSIONS.md: ${item.pkg}`);
    assert.ok(existsSync(join(ROOT, "vendor", `LICENSE.${item.pkg}`)), `licence of ${item.pkg}`);
  }
});

test("the wrapped jsQR is an ES module that decodes nothing from a blank image", async () => {
  const { default: jsQR } = await import("../../vendor/jsqr.js");
  assert.equal(typeof jsQR, "function");
  const size = 64;
  assert.equal(jsQR(new Uint8ClampedArray(size * size * 4).fill(255), size, size), null);
});

test("the import map names every vendored specifier and only existing files", () => {
  const page = readFileSync(join(ROOT, "index.html"), "utf8");
  const json = page.match(/<script type="importmap">([\s\S]*?)<\/script>/)?.[1];
  assert.ok(json, "index.html has an import map");
  const { imports } = JSON.parse(json);
  for (const item of VENDORED) assert.equal(imports[item.specifier], `/vendor/${item.to}`);
  for (const target of Object.values(imports)) assert.ok(existsSync(join(ROOT, target)), target);
});

test("the manifest is valid JSON with 192/512 icons, a maskable one, and files behind them", () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, "manifest.webmanifest"), "utf8"));
  assert.equal(manifest.start_url, "/");
  assert.equal(manifest.display, "standalone");
  assert.equal(manifest.lang, "zh-CN");
  const sizes = manifest.icons.map((i) => i.sizes);
  assert.ok(sizes.includes("192x192") && sizes.includes("512x512"));
  assert.ok(manifest.icons.some((i) => i.purpose === "maskable"));
  for (const icon of manifest.icons) assert.ok(existsSync(join(ROOT, icon.src)), icon.src);
});
