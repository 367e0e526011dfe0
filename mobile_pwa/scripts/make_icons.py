"""Draws the app icons (PNG) into mobile_pwa/icons/.

Run with the project's Python:  /tmp/xj-venv/bin/python mobile_pwa/scripts/make_icons.py
Uses Pillow and the Noto Sans CJK font shipped by the PyPI package noto-cjk-sans-otc (both are
server dependencies), so the icons come out the same on any machine. The PNGs are committed;
rerun only to change the design.

- "any" icons: a rounded square, the character 巡 ("patrol") in white on the theme colour.
- "maskable" icons: full-bleed background, glyph inside the central 80% safe zone, because the
  launcher crops them to its own shape (circle, squircle).
- apple-touch-icon: full bleed, iOS rounds the corners itself.
"""

from __future__ import annotations

from pathlib import Path

from noto_cjk_sans_otc import FONT_PATH
from PIL import Image, ImageDraw, ImageFont

THEME = (11, 61, 110)  # #0b3d6e, as theme_color in manifest.webmanifest
ACCENT = (255, 193, 7)  # amber bar: the "inspection" stripe, visible in bright sun
WHITE = (255, 255, 255)
GLYPH = "巡"
SUPERSAMPLE = 4  # draw big and downscale for smooth edges
OUT = Path(__file__).resolve().parent.parent / "icons"
# Index of the Simplified Chinese face inside the .ttc (0 is Japanese, 2 is SC).
FONT_INDEX = 2


def draw_icon(size: int, *, maskable: bool, rounded: bool) -> Image.Image:
    big = size * SUPERSAMPLE
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    radius = int(big * 0.22) if rounded else 0
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=radius, fill=THEME)

    # Maskable icons keep everything within the safe zone (a circle of 80% diameter).
    glyph_height = big * (0.46 if maskable else 0.60)
    font = ImageFont.truetype(str(FONT_PATH), int(glyph_height), index=FONT_INDEX)
    left, top, right, bottom = draw.textbbox((0, 0), GLYPH, font=font)
    x = (big - (right - left)) / 2 - left
    y = (big - (bottom - top)) / 2 - top - big * 0.04
    draw.text((x, y), GLYPH, font=font, fill=WHITE)

    bar_w = big * (0.36 if maskable else 0.46)
    bar_h = big * 0.045
    bar_y = big * (0.72 if maskable else 0.80)
    draw.rounded_rectangle(
        ((big - bar_w) / 2, bar_y, (big + bar_w) / 2, bar_y + bar_h),
        radius=int(bar_h / 2),
        fill=ACCENT,
    )
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    icons = {
        "icon-192.png": draw_icon(192, maskable=False, rounded=True),
        "icon-512.png": draw_icon(512, maskable=False, rounded=True),
        "icon-maskable-192.png": draw_icon(192, maskable=True, rounded=False),
        "icon-maskable-512.png": draw_icon(512, maskable=True, rounded=False),
        "apple-touch-icon.png": draw_icon(180, maskable=False, rounded=False).convert("RGB"),
    }
    for name, image in icons.items():
        image.save(OUT / name, optimize=True)
        print(f"{name}: {image.size[0]}x{image.size[1]}, {(OUT / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
