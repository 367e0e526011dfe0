"""Evidence photos: validation, EXIF facts and the display/thumbnail derivatives.

Pure functions over bytes: no Flask, no database, no storage. The ingest path decodes each JPEG
exactly once, at the reduced scale the display copy needs, and that decode is also the check
that the file is complete:

    decoded = decode_for_derivatives(data, max_bytes=..., max_pixels=...)   # raises ImageRejected
    facts, digest = read_exif(data), sha256_hex(data)
    derivatives = make_derivatives(decoded, strip)

``inspect_image`` is the validation alone (with the cheapest decode, 1/8 scale) for callers
that make no derivatives. Costs per 12 MP photo are in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass

import simplejpeg
from PIL import Image, ImageDraw, ImageFile, ImageFont, ImageOps

from xunjian.evidence.exif import ExifFacts as ExifFacts  # re-exported: the ingest API
from xunjian.evidence.exif import read_exif as read_exif
from xunjian.evidence.fonts import cjk_font

MIME_JPEG, MIME_PNG, MIME_HEIC = "image/jpeg", "image/png", "image/heic"
_FORMATS = {MIME_JPEG: ("JPEG", "jpg"), MIME_PNG: ("PNG", "png"), MIME_HEIC: ("HEIF", "heic")}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}

# Used only when make_derivatives() is handed raw bytes; the ingest path passes its own limit.
# 80 MP admits 48/50/64 MP phone sensors and stays below Pillow's own bomb warning (89 MP).
DEFAULT_MAX_PIXELS = 80_000_000
# Memory one decode may take, whatever the pixel count: a 16-bit RGBA PNG far below the pixel cap
# once cost ~650 MB. 256 MiB admits a 50 MP RGB PNG or a 28 MP RGBA one, and keeps two sync
# workers decoding at once within a 1 GB machine. JPEGs decode at reduced scale and cost little.
MAX_DECODE_BYTES = 256 * 1024 * 1024
JPEG_QUALITY = 82
# From the 1/2-scale draft the display copy shrinks by only ~1.25x. Pillow's BILINEAR is a
# triangle filter widened by the reduction factor (antialiased, not point sampling), and at this
# small a step it is visually the same as BICUBIC/LANCZOS while ~25% cheaper than BICUBIC
# (bench: 41.6 vs 56.4 ms per 12 MP photo), which the 120 ms ingest budget needs.
DISPLAY_FILTER = Image.Resampling.BILINEAR
# Black at 55% opacity: white text on the brightest possible background is then 5.3:1 (WCAG AA).
_DARKEN_LUT = [round(v * 0.45) for v in range(256)] * 3
_ORIENTATION_TAG = 0x0112


class ImageRejected(Exception):
    """The upload is not an acceptable photo; ``code`` is stable, the messages are for people."""

    def __init__(self, code: str, message: str, message_zh: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.message_zh = message_zh


@dataclass(frozen=True)
class ImageInfo:
    mime: str
    width: int
    height: int
    ext: str


@dataclass(frozen=True)
class DecodedImage:
    """A validated photo decoded once, reduced (JPEG draft) to just above the display size.

    ``image`` is RGB in stored (not yet upright) orientation; nothing here mutates it. It holds
    ~12 MB of pixels for a 12 MP photo and, through Pillow's file pointer, the original bytes.
    """

    info: ImageInfo
    image: Image.Image
    orientation: int
    icc_profile: bytes | None


@dataclass(frozen=True)
class StripText:
    lines: list[str]


@dataclass(frozen=True)
class Derivatives:
    display: bytes
    thumb: bytes
    display_size: tuple[int, int]
    thumb_size: tuple[int, int]


# --- validation ------------------------------------------------------------------------------


def _sniff(data: bytes) -> str | None:
    """The type from magic numbers; the client's file name and Content-Type are not trusted."""
    if data.startswith(b"\xff\xd8\xff"):
        return MIME_JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return MIME_PNG
    if data[4:8] == b"ftyp":
        box_end = min(int.from_bytes(data[:4], "big"), 64, len(data))
        brands = {data[8:12]} | {data[i : i + 4] for i in range(16, box_end - 3, 4)}
        if brands & _HEIF_BRANDS:
            return MIME_HEIC
    return None


@functools.cache
def _heif_available() -> bool:
    # HEIC is accepted only where the optional pillow-heif wheel is installed.
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def _corrupt() -> ImageRejected:
    return ImageRejected(
        "corrupt_image",
        "The photo is damaged and cannot be read. Take it again and re-send it.",
        "照片已损坏，无法读取。请重新拍摄后再上传。",
    )


def _too_many_pixels(width: int | None, height: int | None, max_pixels: int) -> ImageRejected:
    dims = f"{width}×{height} " if width and height else ""
    return ImageRejected(
        "too_many_pixels",
        f"The photo {dims}has more than {max_pixels:,} pixels. "
        "Set the camera to its normal resolution and take it again.",
        f"照片 {dims}超过 {max_pixels:,} 像素上限。请将相机设为常规分辨率后重新拍摄。",
    )


def _open_checked(
    data: bytes, max_bytes: int, max_pixels: int
) -> tuple[ImageFile.ImageFile, ImageInfo]:
    """Header-only checks: size, magic number, Pillow's parse and the pixel cap. No decoding."""
    if not data:
        raise ImageRejected(
            "empty_file", "The file is empty. Send the photo again.", "文件为空，请重新上传照片。"
        )
    if len(data) > max_bytes:
        limit = f"{max_bytes / 1_000_000:g} MB"
        raise ImageRejected(
            "file_too_large",
            f"The file is larger than the {limit} limit. "
            "Send the photo as the camera took it, not a combined or edited file.",
            f"文件超过 {limit} 上限。请上传相机拍摄的原始照片，而非拼接或编辑后的文件。",
        )
    mime = _sniff(data)
    if mime is None or (mime == MIME_HEIC and not _heif_available()):
        heic = _heif_available()
        raise ImageRejected(
            "unsupported_type",
            f"Only {'JPEG, PNG or HEIC' if heic else 'JPEG or PNG'} photos are accepted; "
            "this file is not one of them.",
            f"仅支持 {'JPEG、PNG 或 HEIC' if heic else 'JPEG 或 PNG'} 格式的照片，此文件不是。",
        )
    # Pillow raises DecompressionBombError in open() above 2x its global MAX_IMAGE_PIXELS. We
    # leave that global alone (process-wide, not thread-safe), map its error to our code and
    # enforce our own, lower cap right after, before anything is decoded.
    try:
        im = Image.open(io.BytesIO(data), formats=[_FORMATS[mime][0]])
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(None, None, max_pixels) from exc
    except Exception as exc:  # hostile input makes Pillow's parsers raise a zoo of types
        raise _corrupt() from exc
    width, height = im.size
    if width <= 0 or height <= 0:
        raise _corrupt()
    if width * height > max_pixels:
        im.close()
        raise _too_many_pixels(width, height, max_pixels)
    return im, ImageInfo(mime, width, height, _FORMATS[mime][1])


def _truncated() -> ImageRejected:
    return ImageRejected(
        "truncated_image",
        "The photo arrived incomplete, probably because the connection dropped. Send it again.",
        "照片未完整上传（可能是网络中断），请重新上传。",
    )


def _load_verified(im: ImageFile.ImageFile) -> None:
    """Decode a PNG or HEIC, turning a short or broken stream into a reject.

    Relies on Pillow's default ImageFile.LOAD_TRUNCATED_IMAGES = False: with it a missing tail
    raises instead of being padded (Image.verify() does not decode the data at all).
    """
    try:
        im.load()
    except Exception as exc:
        if "truncated" in str(exc):
            raise _truncated() from exc
        raise _corrupt() from exc


def _decode_jpeg(data: bytes, width: int, height: int, min_factor: int = 1) -> Image.Image:
    """The one JPEG decode, at the smallest DCT scale that still gives ``width`` x ``height``.

    libjpeg-turbo through simplejpeg in strict mode: every libjpeg warning is an error. Pillow
    cannot be used for this: its decoder drops libjpeg's warnings, so a file cut off and given
    an end marker, or a header claiming more rows than the data holds, "decodes" with the
    missing part filled grey ("premature end of data segment" is only a warning to libjpeg).
    """
    try:
        pixels = simplejpeg.decode_jpeg(
            data,
            colorspace="RGB",
            min_width=width,
            min_height=height,
            min_factor=min_factor,
            strict=True,
        )
    except ValueError as exc:
        if "premature end" in str(exc).lower():
            raise _truncated() from exc
        raise _corrupt() from exc
    return Image.fromarray(pixels)


def _bytes_per_pixel(im: Image.Image, mime: str) -> int:
    """Peak bytes per pixel to decode ``im`` at full size and bring it to RGB (_to_rgb)."""
    mode = im.mode
    held = 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in im.info):
        converted = 4 + 4 + 1  # RGBA copy unless already RGBA, white background, alpha band
        converted -= 4 if mode == "RGBA" else 0
    elif mode.startswith("I;16") or mode in ("I", "F"):
        converted = 4 + 4 + 1 + 4  # 32-bit, scaled, 8-bit grey, RGB
    else:
        converted = 0 if mode == "RGB" else 4
    decoder_buffer = 4 if mime == MIME_HEIC else 0  # pillow-heif decodes into its own buffer
    return held + converted + decoder_buffer


def _too_much_memory(width: int, height: int, needed: int) -> ImageRejected:
    return ImageRejected(
        "image_too_large_to_process",
        f"The photo ({width}×{height}) needs {needed / 2**20:.0f} MB to process, more than the "
        f"{MAX_DECODE_BYTES / 2**20:.0f} MB allowed. Send it as a JPEG from the camera.",
        f"照片（{width}×{height}）处理需要 {needed / 2**20:.0f} MB 内存，超过 "
        f"{MAX_DECODE_BYTES / 2**20:.0f} MB 上限。请上传相机拍摄的 JPEG 照片。",
    )


def _fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    """``size`` scaled so that its long edge is at most ``edge``; never enlarged."""
    width, height = size
    scale = min(1.0, edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def inspect_image(data: bytes, *, max_bytes: int, max_pixels: int) -> ImageInfo:
    """Validate an upload; raise ImageRejected with a code and messages a person can act on."""
    im, info = _open_checked(data, max_bytes, max_pixels)
    with im:
        if info.mime == MIME_JPEG:
            # 1/8-scale IDCT still reads every entropy-coded byte, so it finds truncation.
            _decode_jpeg(data, 1, 1, min_factor=8)
        else:
            _check_memory(im, info)
            _load_verified(im)
    return info


def decode_for_derivatives(
    data: bytes, *, max_bytes: int, max_pixels: int, display_edge: int = 1600
) -> DecodedImage:
    """inspect_image() and the decode the derivatives need, in one pass over the JPEG."""
    im, info = _open_checked(data, max_bytes, max_pixels)
    return _decode_reduced(data, im, info, display_edge)


def _check_memory(im: Image.Image, info: ImageInfo) -> None:
    needed = info.width * info.height * _bytes_per_pixel(im, info.mime)
    if needed > MAX_DECODE_BYTES:
        im.close()
        raise _too_much_memory(info.width, info.height, needed)


def _decode_reduced(
    data: bytes, im: ImageFile.ImageFile, info: ImageInfo, display_edge: int
) -> DecodedImage:
    if info.mime != MIME_JPEG:
        _check_memory(im, info)  # before _orientation(): Pillow's getexif() decodes a PNG
    orientation = _orientation(im)
    icc = im.info.get("icc_profile")
    icc_profile = icc if isinstance(icc, bytes) else None
    if info.mime == MIME_JPEG:
        # Pillow has read the header (size, EXIF orientation, ICC); libjpeg-turbo decodes,
        # scaling in the IDCT by 1/2, 1/4 or 1/8 to just above the display size.
        im.close()
        width, height = _fit((info.width, info.height), display_edge)
        return DecodedImage(info, _decode_jpeg(data, width, height), orientation, icc_profile)
    try:
        _load_verified(im)
    except ImageRejected:
        im.close()
        raise
    # Not closed: close() frees the pixels, and copying them would cost more than the fp it holds.
    rgb = im if im.mode == "RGB" else _to_rgb(im)
    return DecodedImage(info, rgb, orientation, icc_profile)


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # a damaged EXIF block must not reject a readable photo
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        # Transparent areas (screenshots, diagrams) on white, not black.
        rgba = im if im.mode == "RGBA" else im.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        return im.convert("I").point(lambda v: v / 256).convert("L").convert("RGB")
    return im.convert("RGB")


# --- derivatives -----------------------------------------------------------------------------

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def make_derivatives(
    source: bytes | DecodedImage,
    strip: StripText,
    *,
    display_edge: int = 1600,
    thumb_edge: int = 320,
) -> Derivatives:
    """Upright JPEG copies: display (strip burned in at the bottom) and thumb (no strip).

    Pass the DecodedImage from decode_for_derivatives() to avoid decoding twice. Neither copy
    carries EXIF (the original's GPS must not leak through shared links); the ICC profile is
    kept because phones shoot Display P3 and colours go dull without it.
    """
    decoded = (
        source
        if isinstance(source, DecodedImage)
        else decode_for_derivatives(
            source,
            max_bytes=len(source),
            max_pixels=DEFAULT_MAX_PIXELS,
            display_edge=display_edge,
        )
    )
    display, thumb = _resized(decoded, display_edge, thumb_edge)
    burn_strip(display, strip)
    return Derivatives(
        display=encode_jpeg(display, decoded.icc_profile),
        thumb=encode_jpeg(thumb, decoded.icc_profile),
        display_size=display.size,
        thumb_size=thumb.size,
    )


def _resized(
    decoded: DecodedImage, display_edge: int, thumb_edge: int
) -> tuple[Image.Image, Image.Image]:
    source = decoded.image
    # From the stored size, not the draft's: a draft rounds up and may be 1 px off the ratio.
    size = _fit((decoded.info.width, decoded.info.height), display_edge)
    display = source.resize(size, DISPLAY_FILTER) if size != source.size else source.copy()
    # Rotating the 1600 px copy is ~4x cheaper than rotating the decoded draft.
    if decoded.orientation in _TRANSPOSE:
        display = display.transpose(_TRANSPOSE[decoded.orientation])
    # reducing_gap: an integer box reduce() (area average, no aliasing) down to within 1.25x of
    # the target, LANCZOS for the rest: 5 ms instead of 30 ms for LANCZOS all the way.
    thumb = display.resize(
        _fit(display.size, thumb_edge), Image.Resampling.LANCZOS, reducing_gap=1.25
    )
    return display, thumb


def burn_strip(im: Image.Image, strip: StripText) -> None:
    """Draw the caption band in place: darkened bottom band, white Simplified Chinese text."""
    lines = [line for line in strip.lines if line.strip()]
    if not lines:
        return
    width, height = im.size
    # Font size proportional to width keeps the same apparent size when the photo is shown
    # full-width on a phone: width/32 is ~12 CSS px on a 390 px wide screen, portrait or not.
    size = max(12, round(width / 32))
    font = cjk_font(size)
    pad = max(4, size // 3)
    room = width - 2 * pad
    longest = max(font.getlength(line) for line in lines)
    if longest > room:
        size = max(12, int(size * room / longest))
        font = cjk_font(size)
    lines = [_ellipsize(font, line, room) for line in lines]
    line_height = round(size * 1.3)
    band_top = max(0, height - (line_height * len(lines) + 2 * pad))
    box = (0, band_top, width, height)
    im.paste(im.crop(box).point(_DARKEN_LUT), box)
    draw = ImageDraw.Draw(im)
    for i, line in enumerate(lines):
        draw.text((pad, band_top + pad + i * line_height), line, font=font, fill="white")


def _ellipsize(font: ImageFont.FreeTypeFont, line: str, room: float) -> str:
    if font.getlength(line) <= room:
        return line
    # Binary search: the strip's text comes from user-entered names and may be long.
    fits, too_long = 0, len(line)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if font.getlength(line[:middle] + "…") <= room:
            fits = middle
        else:
            too_long = middle
    return line[:fits] + "…"


def encode_jpeg(im: Image.Image, icc_profile: bytes | None = None) -> bytes:
    # Baseline JPEG: optimize costs 2.6x the encode for 3% smaller, progressive 6x for 6%.
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=JPEG_QUALITY, icc_profile=icc_profile)
    return buffer.getvalue()


def naive_derivatives(data: bytes, strip: StripText) -> Derivatives:
    """The straightforward way, kept ONLY as the benchmark's baseline (bench/bench_ingest.py).

    Full-size decode, both copies LANCZOS from full size, optimised encode. Do not call it from
    the application: it costs ~3x the CPU of make_derivatives().
    """
    with Image.open(io.BytesIO(data)) as im:
        full = ImageOps.exif_transpose(im).convert("RGB")
    display = full.resize(_fit(full.size, 1600), Image.Resampling.LANCZOS)
    thumb = full.resize(_fit(full.size, 320), Image.Resampling.LANCZOS)
    burn_strip(display, strip)
    encoded = []
    for copy in (display, thumb):
        buffer = io.BytesIO()
        copy.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
        encoded.append(buffer.getvalue())
    return Derivatives(encoded[0], encoded[1], display.size, thumb.size)


# --- facts -----------------------------------------------------------------------------------


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
