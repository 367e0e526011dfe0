"""PWA budgets without a browser: the JavaScript each screen of mobile_pwa/ pulls in.

Walks the static ``import`` graph of the ES modules (dynamic ``import()`` is where a lazy screen
begins, so it is not followed), resolving bare specifiers through index.html's import map, and
reports raw and gzipped bytes (level 6, as nginx would serve it):

- the first screen: main.js and everything it imports statically, plus the HTML, the CSS and
  the icon; the browser measurement of the same thing is
  ``tests/e2e/test_shell.py::test_first_screen_stays_within_budget`` (artifacts/first-screen.json);
- each lazy entry (a role panel, a screen): the modules it adds to what is already loaded at
  the home screen, i.e. what that role or screen costs behind the login.

Usage (repository root): ``python bench/bench_pwa.py`` prints a markdown table; ``--write``
replaces the "## PWA (issue 7)" section of docs/PERFORMANCE.md with it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PWA = REPO / "mobile_pwa"
DOC = REPO / "docs" / "PERFORMANCE.md"
SECTION = "## PWA (issue 7)"
JS_GZIP_BUDGET = 150 * 1024
REQUEST_BUDGET = 25

# `import x from "y"`, `import {a} from "y"`, `import "y"`, `export … from "y"`; not `import(`.
STATIC_IMPORT = re.compile(
    r"""^\s*(?:import|export)\s[^;()]*?from\s*["']([^"']+)["']"""
    r"""|^\s*import\s*["']([^"']+)["']""",
    re.M,
)

# Lazy entries, each measured on top of the signed-in home screen's modules.
ENTRIES = {
    "home screen (signed in, no role panel)": "src/screens/home.js",
    "floor manager panel": "src/screens/roles/floor-manager.js",
    "engineer panel": "src/screens/roles/work-orders.js",
    "front desk panel": "src/screens/roles/front-desk.js",
    "supervisor panel": "src/screens/roles/supervisor.js",
    "night duty panel": "src/screens/roles/night-duty.js",
    "renovation inspection screen": "src/screens/inspection.js",
    "patrol run screen": "src/screens/patrol-run.js",
    "signature pad (when shown)": "src/components/signature.js",
}


def import_map() -> dict[str, str]:
    html = (PWA / "index.html").read_text(encoding="utf-8")
    block = re.search(r'<script type="importmap">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))["imports"] if block else {}


def resolve(spec: str, importer: Path, imports: dict[str, str]) -> Path:
    if spec in imports:
        return PWA / imports[spec].lstrip("/")
    return (importer.parent / spec).resolve()


def closure(entry: Path, imports: dict[str, str]) -> set[Path]:
    """The entry and every module it imports statically, transitively."""
    seen: set[Path] = set()
    todo = [entry]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        text = module.read_text(encoding="utf-8")
        for match in STATIC_IMPORT.finditer(text):
            todo.append(resolve(match.group(1) or match.group(2), module, imports))
    return seen


def sizes(files: set[Path]) -> tuple[int, int]:
    raw = sum(f.stat().st_size for f in files)
    gz = sum(len(gzip.compress(f.read_bytes(), compresslevel=6)) for f in files)
    return raw, gz


def measure() -> dict[str, object]:
    imports = import_map()
    first = closure(PWA / "src/main.js", imports)
    # Requests of the first screen: the page, its stylesheet, its modules, the icon (the browser
    # fetches the manifest's 192 px icon too: counted twice, as the browser test sees it).
    requests = 1 + 1 + len(first) + 2
    raw, gz = sizes(first)
    home = first | closure(PWA / ENTRIES["home screen (signed in, no role panel)"], imports)
    # The outbox starts with a session (app.js loads it lazily): part of every signed-in screen.
    home |= closure(PWA / "src/outbox/runtime.js", imports)
    lazy = {}
    for name, path in ENTRIES.items():
        base = first if path.endswith("home.js") else home
        added = closure(PWA / path, imports) - base
        lazy[name] = (len(added), *sizes(added))
    return {"first": (len(first), raw, gz, requests), "lazy": lazy}


def report(result: dict[str, object]) -> str:
    modules, raw, gz, requests = result["first"]  # type: ignore[misc]
    today = dt.date.today().isoformat()
    lines = [
        SECTION,
        "",
        f"Measured {today} by `python bench/bench_pwa.py --write` (repository root): the static "
        "import graph of `mobile_pwa/src` from `main.js`, bare specifiers through the import map, "
        "gzip level 6 per file. The browser measures the same first screen in "
        "`tests/e2e/test_shell.py::test_first_screen_stays_within_budget` "
        "(`tests/e2e/artifacts/first-screen.json`), which also fails above the budget.",
        "",
        "| first screen (login, cold) | measured | budget |",
        "|---|---:|---:|",
        f"| JavaScript, gzipped | {gz / 1024:.1f} KB ({raw / 1024:.1f} KB raw, {modules} modules) "
        f"| ≤ {JS_GZIP_BUDGET // 1024} KB |",
        f"| requests (HTML, CSS, modules, icon ×2) | {requests} | ≤ {REQUEST_BUDGET} |",
        "",
        "Behind the login, what each lazy entry adds (the signed-in home and the outbox already "
        "loaded; all of it is in the service worker's precache, so offline it costs nothing):",
        "",
        "| entry | modules | raw KB | gzip KB |",
        "|---|---:|---:|---:|",
    ]
    for name, (count, r, g) in result["lazy"].items():  # type: ignore[attr-defined]
        lines.append(f"| {name} | {count} | {r / 1024:.1f} | {g / 1024:.1f} |")
    return "\n".join(lines) + "\n"


def write(section: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.find(SECTION)
    if start == -1:
        DOC.write_text(text.rstrip() + "\n\n" + section, encoding="utf-8")
        return
    end = text.find("\n## ", start + len(SECTION))
    tail = text[end + 1 :] if end != -1 else ""
    DOC.write_text(text[:start] + section + ("\n" + tail if tail else ""), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"replace '{SECTION}' in {DOC.name}")
    args = parser.parse_args()
    section = report(measure())
    print(section)
    if args.write:
        write(section)


if __name__ == "__main__":
    main()
