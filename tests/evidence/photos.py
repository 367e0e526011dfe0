"""Synthetic phone-like photos and hostile uploads for the imaging tests and the ingest bench.

Pixels come from a seeded RNG so a given call always produces the same bytes. Noise is what
makes the file size (and so the decoder's work) realistic: a smooth gradient at 12 MP would
compress to a few hundred KB and decode far faster than a real photo.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from PIL import Image, ImageChops, ImageDraw

# Per-channel uniform noise amplitude (+/- levels) that makes 4000x3000 q90 come out at ~4 MB,
# the size of a 12 MP phone JPEG.
PHONE_NOISE = 19


@dataclass(frozen=True)
class PhotoMeta:
    taken_at: datetime | None = datetime(2026, 11, 22, 9, 14, 3)
    offset: str | None = "+08:00"
    lat: float | None = 22.543096  # Shenzhen, Futian
    lon: float | None = 114.057865
    make: str | None = "Xiaomi"
    model: str | None = "Redmi Note 13"
    orientation: int | None = 1


def pixels(width: int, height: int, *, noise: int = PHONE_NOISE, seed: int = 1) -> Image.Image:
    """A gradient scene with coloured shapes and sensor-like noise."""
    rng = random.Random(seed)
    horizontal = Image.linear_gradient("L").resize((width, height))
    radial = Image.radial_gradient("L").resize((width, height))
    scene = Image.merge("RGB", (horizontal, radial, ImageChops.invert(horizontal)))
    draw = ImageDraw.Draw(scene)
    for _ in range(40):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1 = x0 + rng.randrange(1, max(2, width // 3))
        y1 = y0 + rng.randrange(1, max(2, height // 3))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        shape = draw.rectangle if rng.random() < 0.5 else draw.ellipse
        shape((x0, y0, x1, y1), fill=colour)
    if noise <= 0:
        return scene
    lut = [max(0, min(255, 128 + round((v - 128) * noise / 128))) for v in range(256)]
    channels = []
    for channel in scene.split():
        grain = Image.frombytes("L", (width, height), rng.randbytes(width * height)).point(lut)
        channels.append(ImageChops.add(channel, grain, 1.0, -128))
    return Image.merge("RGB", channels)


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction(round((value - degrees - minutes / 60) * 3600 * 10000), 10000)
    return Fraction(degrees), Fraction(minutes), seconds


def exif_block(meta: PhotoMeta) -> Image.Exif:
    exif = Image.Exif()
    if meta.make:
        exif[0x010F] = meta.make
    if meta.model:
        exif[0x0110] = meta.model
    if meta.orientation:
        exif[0x0112] = meta.orientation
    if meta.taken_at:
        stamp = meta.taken_at.strftime("%Y:%m:%d %H:%M:%S")
        exif[0x0132] = stamp
        exif_ifd = exif.get_ifd(0x8769)
        exif_ifd[0x9003] = stamp  # DateTimeOriginal
        exif_ifd[0x9004] = stamp  # DateTimeDigitized
        if meta.offset:
            exif_ifd[0x9011] = meta.offset  # OffsetTimeOriginal
    if meta.lat is not None and meta.lon is not None:
        gps = exif.get_ifd(0x8825)
        gps[0x0000] = b"\x02\x02\x00\x00"
        gps[0x0001] = "N" if meta.lat >= 0 else "S"
        gps[0x0002] = _dms(meta.lat)
        gps[0x0003] = "E" if meta.lon >= 0 else "W"
        gps[0x0004] = _dms(meta.lon)
    return exif


def jpeg(
    width: int = 400,
    height: int = 300,
    *,
    meta: PhotoMeta | None = PhotoMeta(),
    quality: int = 90,
    noise: int = PHONE_NOISE,
    seed: int = 1,
    image: Image.Image | None = None,
) -> bytes:
    """A JPEG like a phone's: EXIF with time, offset, GPS, make/model and orientation."""
    im = image if image is not None else pixels(width, height, noise=noise, seed=seed)
    buffer = io.BytesIO()
    extra = {"exif": exif_block(meta).tobytes()} if meta else {}
    im.save(buffer, "JPEG", quality=quality, **extra)
    return buffer.getvalue()


def phone_jpeg(seed: int = 1, meta: PhotoMeta | None = PhotoMeta()) -> bytes:
    """12 MP (4000x3000), q90, ~4 MB: what a mid-range phone sends."""
    return jpeg(4000, 3000, meta=meta, seed=seed)


def png(width: int = 300, height: int = 200, *, mode: str = "RGB") -> bytes:
    im = pixels(width, height, noise=8).convert(mode)
    buffer = io.BytesIO()
    im.save(buffer, "PNG")
    return buffer.getvalue()


def truncated_jpeg(fraction: float = 0.6) -> bytes:
    """A JPEG cut off mid-scan, as an upload over a dropped connection leaves it."""
    data = jpeg(400, 300)
    return data[: int(len(data) * fraction)]


def corrupt_jpeg() -> bytes:
    """The JPEG magic number followed by noise: passes sniffing, fails parsing."""
    return b"\xff\xd8\xff\xe0" + random.Random(7).randbytes(4000)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A few hundred bytes whose header claims width x height RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels_row = b"\x00" + b"\x00" * 3 * min(width, 64)
    body = zlib.compress(pixels_row * 4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def text_as_jpg() -> bytes:
    """The contents of 'report.jpg' that is really a text file."""
    return "巡检记录：3栋 12F 东梯，一切正常。\n".encode() * 20
