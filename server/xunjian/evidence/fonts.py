"""The CJK font used to burn the caption strip into evidence photos.

The font comes from PyPI's ``noto-cjk-sans-otc`` so that nothing but pip is needed on a fresh
machine. The .ttc holds ten faces (JP, KR, SC, TC, HK and their Mono variants); the same code
points are drawn with region-specific glyph shapes, and our users read Simplified Chinese.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

SC_FACE_NAME = "Noto Sans CJK SC"
# Index of the SC face in NotoSansCJK-Regular.ttc as shipped today; verified against the face
# name on first load so that a reordered collection fails loudly instead of drawing JP glyphs.
_SC_FACE_INDEX_HINT = 2


class FontUnavailable(RuntimeError):
    """The packaged CJK font is missing or does not contain a Simplified Chinese face."""


@functools.cache
def font_path() -> Path:
    try:
        import noto_cjk_sans_otc
    except ImportError as exc:  # a deployment problem, not a user error
        raise FontUnavailable("package noto-cjk-sans-otc is not installed") from exc
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    if not path.is_file():
        raise FontUnavailable(f"CJK font file missing: {path}")
    return path


@functools.cache
def sc_face_index() -> int:
    path = str(font_path())
    candidates = [_SC_FACE_INDEX_HINT, *(i for i in range(16) if i != _SC_FACE_INDEX_HINT)]
    for index in candidates:
        try:
            family, _style = ImageFont.truetype(path, 12, index=index).getname()
        except OSError:  # FreeType reports an out-of-range face index as OSError
            continue
        if family == SC_FACE_NAME:
            return index
    raise FontUnavailable(f"no '{SC_FACE_NAME}' face in {path}")


# Shared between threads: FreeType faces are not thread-safe, but Pillow holds the GIL while it
# renders, and on free-threaded builds it locks each face (Pillow PR 9498).
@functools.lru_cache(maxsize=32)
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    """The Simplified Chinese face at ``size`` pixels; opening the 15 MB .ttc costs ~15 ms."""
    return ImageFont.truetype(str(font_path()), size, index=sc_face_index())
