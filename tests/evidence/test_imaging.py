"""xunjian.evidence.imaging: rejections, EXIF facts and derivatives, on synthetic phone photos."""

from __future__ import annotations

import functools
import hashlib
import io
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image, ImageFile, ImageStat

from tests.evidence import photos
from xunjian.evidence import fonts, imaging
from xunjian.evidence.imaging import ImageRejected, StripText

MB = 1_000_000
STRIP = StripText(["某某花园 · 3栋 12F 东梯", "2026-11-22 09:14:03 +08:00 · 张伟 · a1b2c3d4"])


def inspect(data: bytes, **limits: int) -> object:
    return imaging.inspect_image(
        data,
        max_bytes=limits.get("max_bytes", 20 * MB),
        max_pixels=limits.get("max_pixels", 50 * MB),
    )


def decode(data: bytes, **limits: int) -> object:
    return imaging.decode_for_derivatives(
        data,
        max_bytes=limits.get("max_bytes", 20 * MB),
        max_pixels=limits.get("max_pixels", 50 * MB),
    )


@functools.cache
def phone_photo() -> bytes:
    return photos.phone_jpeg()


def heic_header() -> bytes:
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)


# --- rejections -----------------------------------------------------------------------------

REJECTIONS: list[tuple[str, Callable[[], bytes], dict[str, int]]] = [
    ("empty_file", lambda: b"", {}),
    ("file_too_large", lambda: photos.jpeg(64, 48), {"max_bytes": 1000}),
    ("unsupported_type", photos.text_as_jpg, {}),
    ("unsupported_type", lambda: b"GIF89a" + bytes(100), {}),
    ("corrupt_image", photos.corrupt_jpeg, {}),
    ("corrupt_image", lambda: photos.png()[:40], {}),  # cut inside the header chunks
    ("truncated_image", photos.truncated_jpeg, {}),
    ("truncated_image", lambda: photos.png(600, 400)[:3000], {}),
    ("too_many_pixels", photos.png_bomb, {}),  # 900 MP: Pillow's own bomb error
    ("too_many_pixels", lambda: photos.png_bomb(8000, 8000), {}),  # 64 MP: our cap
    ("too_many_pixels", lambda: photos.jpeg(400, 300), {"max_pixels": 100_000}),
]


@pytest.mark.parametrize("check", [inspect, decode], ids=["inspect", "decode"])
@pytest.mark.parametrize(
    ("code", "make", "limits"),
    REJECTIONS,
    ids=[f"{code}-{i}" for i, (code, _, _) in enumerate(REJECTIONS)],
)
def test_rejects_with_code_and_messages(check, code, make, limits) -> None:
    with pytest.raises(ImageRejected) as caught:
        check(make(), **limits)
    assert caught.value.code == code
    assert caught.value.message.endswith(".")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message_zh)


def test_heic_rejected_without_pillow_heif() -> None:
    try:
        import pillow_heif  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pillow-heif is installed here, so HEIC is accepted")
    with pytest.raises(ImageRejected) as caught:
        inspect(heic_header())
    assert caught.value.code == "unsupported_type"


def test_bomb_leaves_pillow_global_limit_alone() -> None:
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(ImageRejected):
        inspect(photos.png_bomb())
    assert before == Image.MAX_IMAGE_PIXELS
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # the truncation check depends on it


def test_accepts_jpeg_and_png_by_content_not_name() -> None:
    assert inspect(photos.jpeg(400, 300)) == imaging.ImageInfo("image/jpeg", 400, 300, "jpg")
    assert inspect(photos.png(30, 20)) == imaging.ImageInfo("image/png", 30, 20, "png")


def test_sha256_matches_hashlib() -> None:
    data = photos.jpeg(64, 48)
    assert imaging.sha256_hex(data) == hashlib.sha256(data).hexdigest()


# --- EXIF ---------------------------------------------------------------------------------


def test_reads_time_offset_gps_and_camera() -> None:
    facts = imaging.read_exif(photos.jpeg(64, 48, meta=photos.PhotoMeta(orientation=6)))
    assert facts.taken_at == datetime(2026, 11, 22, 9, 14, 3, tzinfo=timezone(timedelta(hours=8)))
    assert facts.offset == "+08:00"
    assert facts.gps_lat == pytest.approx(22.543096, abs=1e-6)
    assert facts.gps_lon == pytest.approx(114.057865, abs=1e-6)
    assert (facts.make, facts.model, facts.orientation) == ("Xiaomi", "Redmi Note 13", 6)


def test_southern_western_coordinates_are_negative_and_no_offset_is_naive() -> None:
    meta = photos.PhotoMeta(offset=None, lat=-33.8688, lon=-70.6693)
    facts = imaging.read_exif(photos.jpeg(64, 48, meta=meta))
    assert facts.taken_at == datetime(2026, 11, 22, 9, 14, 3)
    assert facts.taken_at.tzinfo is None
    assert facts.offset is None
    assert facts.gps_lat == pytest.approx(-33.8688, abs=1e-6)
    assert facts.gps_lon == pytest.approx(-70.6693, abs=1e-6)


def test_no_exif_gives_empty_facts() -> None:
    empty = imaging.ExifFacts(None, None, None, None, None, None, None)
    assert imaging.read_exif(photos.jpeg(64, 48, meta=None)) == empty
    assert imaging.read_exif(photos.png(30, 20)) == empty
    for garbage in (b"", photos.text_as_jpg(), photos.corrupt_jpeg(), photos.png_bomb()):
        assert imaging.read_exif(garbage) == empty


def test_read_exif_never_raises_on_damaged_exif() -> None:
    original = photos.jpeg(64, 48)
    start = original.index(b"Exif\x00\x00")
    rng = random.Random(3)
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randrange(1, 8)):
            data[start + rng.randrange(6, 400)] = rng.randrange(256)
        imaging.read_exif(bytes(data))  # must not raise, whatever it finds


# --- derivatives ----------------------------------------------------------------------------


def open_jpeg(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG"
    return im


def test_twelve_megapixel_photo_decodes_once_at_half_scale() -> None:
    data = phone_photo()
    decoded = imaging.decode_for_derivatives(data, max_bytes=20 * MB, max_pixels=50 * MB)
    assert decoded.info == imaging.ImageInfo("image/jpeg", 4000, 3000, "jpg")
    assert decoded.image.size == (2000, 1500)  # libjpeg's 1/2-scale IDCT, not a full decode
    result = imaging.make_derivatives(decoded, STRIP)
    assert (result.display_size, result.thumb_size) == ((1600, 1200), (320, 240))
    assert open_jpeg(result.display).size == (1600, 1200)
    assert open_jpeg(result.thumb).size == (320, 240)
    assert len(result.display) < 600_000 and len(result.thumb) < 60_000


def test_bytes_and_decoded_inputs_give_identical_derivatives() -> None:
    data = photos.jpeg(800, 600)
    from_bytes = imaging.make_derivatives(data, STRIP)
    decoded = imaging.decode_for_derivatives(data, max_bytes=MB, max_pixels=MB)
    assert imaging.make_derivatives(decoded, STRIP) == from_bytes


def test_make_derivatives_from_bytes_still_validates() -> None:
    with pytest.raises(ImageRejected) as caught:
        imaging.make_derivatives(photos.truncated_jpeg(), STRIP)
    assert caught.value.code == "truncated_image"


def marked_photo(orientation: int) -> bytes:
    """400x300 stored pixels with a red block in the stored top-left corner."""
    im = photos.pixels(400, 300, noise=0)
    im.paste((255, 0, 0), (0, 0, 60, 60))
    return photos.jpeg(image=im, meta=photos.PhotoMeta(orientation=orientation))


def mean(im: Image.Image, box: tuple[int, int, int, int]) -> list[float]:
    return ImageStat.Stat(im.convert("RGB").crop(box)).mean


def test_orientation_6_comes_out_upright() -> None:
    result = imaging.make_derivatives(marked_photo(6), StripText([]))
    display = open_jpeg(result.display)
    # Orientation 6 = the stored image must turn 90° clockwise to be upright.
    assert result.display_size == display.size == (300, 400)
    assert result.thumb_size == open_jpeg(result.thumb).size == (240, 320)
    assert is_red(mean(display, (255, 5, 295, 45)))  # now the top-right corner
    assert not is_red(mean(display, (5, 5, 45, 45)))


def is_red(rgb: list[float]) -> bool:
    red, green, blue = rgb
    return red > 200 and green < 60 and blue < 60


def test_derivatives_carry_no_exif_or_gps() -> None:
    result = imaging.make_derivatives(photos.jpeg(800, 600), STRIP)
    for data in (result.display, result.thumb):
        im = open_jpeg(data)
        assert not im.getexif()
        assert "exif" not in im.info
        assert b"Exif" not in data
        assert imaging.read_exif(data).gps_lat is None


def test_strip_darkens_the_bottom_band_and_writes_white_text() -> None:
    data = photos.jpeg(1600, 1200, noise=4)
    with_strip = open_jpeg(imaging.make_derivatives(data, STRIP).display).convert("L")
    without = open_jpeg(imaging.make_derivatives(data, StripText([])).display).convert("L")
    band = (0, 1200 - 100, 1600, 1200)
    assert (
        ImageStat.Stat(with_strip.crop(band)).mean[0]
        < 0.7 * ImageStat.Stat(without.crop(band)).mean[0]
    )
    text_pixels = sum(with_strip.crop(band).histogram()[230:])
    assert text_pixels > 2000  # white glyphs on the dark band
    top = (0, 0, 1600, 900)
    assert ImageStat.Stat(with_strip.crop(top)).mean == pytest.approx(
        ImageStat.Stat(without.crop(top)).mean, abs=1
    )


def test_overlong_strip_lines_shrink_or_ellipsize_within_the_width() -> None:
    im = Image.new("RGB", (320, 240), "grey")
    imaging.burn_strip(im, StripText(["很长的巡检地址" * 30, "x" * 500]))
    assert im.size == (320, 240)
    assert im.getpixel((319, 239)) != (128, 128, 128)  # band spans the width


def test_png_with_transparency_goes_onto_white() -> None:
    result = imaging.make_derivatives(photos.png(200, 100, mode="RGBA"), StripText([]))
    assert open_jpeg(result.display).mode == "RGB"
    transparent = io.BytesIO()
    Image.new("RGBA", (100, 100), (0, 0, 0, 0)).save(transparent, "PNG")
    thumb = open_jpeg(imaging.make_derivatives(transparent.getvalue(), StripText([])).thumb)
    assert min(mean(thumb, (0, 0, 100, 100))) > 240


def test_naive_baseline_makes_the_same_sizes() -> None:
    result = imaging.naive_derivatives(marked_photo(6), STRIP)
    assert (result.display_size, result.thumb_size) == ((300, 400), (240, 320))


def test_font_is_the_simplified_chinese_face_and_cached() -> None:
    font = fonts.cjk_font(40)
    assert font.getname()[0] == "Noto Sans CJK SC"
    assert fonts.sc_face_index() == 2
    assert fonts.cjk_font(40) is font
