#!/bin/sh
# Installs Debian's chromium and a CJK font for the end-to-end tests, only when missing.
# Playwright must never download a browser of its own (no network but the package registries),
# so the e2e suite drives /usr/bin/chromium; the CJK font makes Chinese screenshots readable.
# Idempotent and quiet: a second run does nothing. Works as root, or through sudo when available.
set -eu

need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
# fonts-noto-cjk ships NotoSansCJK-*.ttc under /usr/share/fonts/opentype/noto
if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1; then
    need="$need fonts-noto-cjk"
fi
[ -z "$need" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    run=""
elif command -v sudo >/dev/null 2>&1; then
    run="sudo -n"
else
    echo "ensure_chromium: need root or sudo to install:$need" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$run apt-get update -qq >/dev/null
# shellcheck disable=SC2086  # $need is a word list on purpose
$run apt-get install -y -qq --no-install-recommends $need >/dev/null
[ -x /usr/bin/chromium ] || { echo "ensure_chromium: /usr/bin/chromium still missing" >&2; exit 1; }
