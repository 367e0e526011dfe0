// src/types/api.d.ts must be what openapi-typescript makes of schemas/openapi.json: the server's
// contract changed and the phone's types did not follow → run `npm run gen:types`, then the type
// check shows every screen the change touches.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../scripts/stamp_sw.mjs";

const SPEC = join(ROOT, "..", "schemas", "openapi.json");

test("generated API types match schemas/openapi.json (else: npm run gen:types)", { skip: !existsSync(SPEC) && "no schemas/openapi.json" }, () => {
  const cli = join(ROOT, "node_modules", ".bin", "openapi-typescript");
  const fresh = execFileSync(cli, [SPEC], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const committed = readFileSync(join(ROOT, "src", "types", "api.d.ts"), "utf8");
  assert.ok(committed === fresh, "src/types/api.d.ts is stale: run `npm run gen:types` in mobile_pwa/");
});

// src/api-enums.js must be what scripts/gen_enums.mjs makes of schemas/openapi.json: the screens'
// choices (categories, priorities, statuses …) are the server's, never a hand copy.
test("generated enum lists match schemas/openapi.json (else: npm run gen:types)", { skip: !existsSync(SPEC) && "no schemas/openapi.json" }, async () => {
  const { render, OUT_PATH } = await import("../../scripts/gen_enums.mjs");
  const fresh = render(JSON.parse(readFileSync(SPEC, "utf8")));
  assert.ok(readFileSync(OUT_PATH, "utf8") === fresh, "src/api-enums.js is stale: run `npm run gen:types` in mobile_pwa/");
});
