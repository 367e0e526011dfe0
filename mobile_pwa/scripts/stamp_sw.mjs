// Writes the app-shell list and its version into sw.js. The version is a hash of the listed files,
// so any change to the shell changes sw.js, which is what makes browsers install the new version.
// `npm run stamp` after editing anything served; tests/unit/sw.test.js fails when it was forgotten.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SW_PATH = join(ROOT, "sw.js");
const BLOCK = /\/\/ <shell>[^\n]*\n[\s\S]*?\/\/ <\/shell>/;

/** @param {string} dir @returns {string[]} paths relative to ROOT, with forward slashes */
function walk(dir) {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path.split(sep).join("/")];
  });
}

/**
 * The files served to the browser: the page, the manifest, icons, modules, styles, vendored
 * libraries. Type declarations in src/types are for the type checker only.
 * @returns {string[]} URL paths; "/" stands for index.html
 */
export function shellFiles() {
  const files = [
    "manifest.webmanifest",
    ...walk("icons").filter((f) => f.endsWith(".png")),
    ...walk("src").filter((f) => /\.(js|css)$/.test(f) && !f.startsWith("src/types/")),
    ...walk("vendor").filter((f) => f.endsWith(".js")),
  ].sort();
  return ["/", ...files.map((f) => `/${f}`)];
}

/** @param {string[]} shell */
export function shellVersion(shell) {
  const hash = createHash("sha256");
  for (const url of shell) {
    const file = url === "/" ? "index.html" : url.slice(1);
    hash.update(`${url}\0`).update(readFileSync(join(ROOT, file))).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

export function shellBlock() {
  const shell = shellFiles();
  const list = shell.map((url) => `  ${JSON.stringify(url)},`).join("\n");
  return [
    "// <shell> written by `npm run stamp` (scripts/stamp_sw.mjs) from the files it lists; do not edit.",
    `const VERSION = ${JSON.stringify(shellVersion(shell))};`,
    `const SHELL = [\n${list}\n];`,
    "// </shell>",
  ].join("\n");
}

/** @returns {string | undefined} the block as it is in sw.js now */
export function currentBlock() {
  return readFileSync(SW_PATH, "utf8").match(BLOCK)?.[0];
}

function main() {
  const source = readFileSync(SW_PATH, "utf8");
  if (!BLOCK.test(source)) throw new Error("sw.js has no // <shell> … // </shell> block");
  const block = shellBlock();
  writeFileSync(SW_PATH, source.replace(BLOCK, () => block));
  const version = block.match(/VERSION = "(\w+)"/)?.[1];
  console.log(`sw.js: ${shellFiles().length} shell files, version ${version} (${relative(process.cwd(), SW_PATH)})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
