"""Printable QR label sheets for checkpoints (A4, 3 × 4 labels, cut lines).

Each label: the QR code (``xjcp:<token>``), the checkpoint's name in Chinese and English, its
place (building, floor) and its code. ReportLab's built-in CID font STSong-Light draws Chinese
without any font file; the QR images come from the ``qrcode`` library.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..org.models import Building, Floor, Property
from .models import Checkpoint
from .planning import QR_PREFIX, pairs

CJK_FONT = "STSong-Light"
COLUMNS, ROWS = 3, 4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 12 * mm, 22 * mm, 12 * mm


@functools.cache
def cjk_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


@dataclass(frozen=True)
class Label:
    name_zh: str
    name_en: str
    place: str
    code: str
    qr_token: str


def qr_image(token: str) -> ImageReader:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(QR_PREFIX + token)
    code.make(fit=True)
    image = code.make_image().get_image()
    return ImageReader(image.convert("RGB"))


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Shorten ``text`` with an ellipsis until it fits ``width`` points."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _label(pdf: canvas.Canvas, label: Label, x: float, y: float, w: float, h: float) -> None:
    font = cjk_font()
    pdf.setStrokeGray(0.75)
    pdf.setDash(3, 3)
    pdf.rect(x, y, w, h)
    pdf.setDash()
    side = min(w - 16 * mm, h - 30 * mm)
    pdf.drawImage(qr_image(label.qr_token), x + (w - side) / 2, y + h - side - 4 * mm, side, side)
    centre = x + w / 2
    text_w = w - 6 * mm
    pdf.setFillGray(0)
    pdf.setFont(font, 11)
    pdf.drawCentredString(centre, y + 17 * mm, _fit(label.name_zh, font, 11, text_w))
    pdf.setFont(font, 8)
    if label.name_en:
        pdf.drawCentredString(centre, y + 12.5 * mm, _fit(label.name_en, font, 8, text_w))
    pdf.drawCentredString(centre, y + 8 * mm, _fit(label.place, font, 8, text_w))
    pdf.setFont(font, 9)
    pdf.drawCentredString(centre, y + 3.5 * mm, _fit(f"编号 {label.code}", font, 9, text_w))


def label_sheet(title: str, labels: Sequence[Label]) -> bytes:
    """A PDF of ``labels``, 12 per A4 page, with ``title`` on every page."""
    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(title)
    page_w, page_h = A4
    cell_w = (page_w - 2 * MARGIN_X) / COLUMNS
    cell_h = (page_h - MARGIN_TOP - MARGIN_BOTTOM) / ROWS
    per_page = COLUMNS * ROWS
    pages = max(1, -(-len(labels) // per_page))
    for page in range(pages):
        pdf.setFont(font, 12)
        pdf.drawString(MARGIN_X, page_h - 14 * mm, title)
        pdf.setFont(font, 8)
        pdf.drawRightString(page_w - MARGIN_X, page_h - 14 * mm, f"{page + 1} / {pages}")
        if not labels:
            pdf.drawString(MARGIN_X, page_h - 30 * mm, "（没有巡查点 / no checkpoints）")
        for n, label in enumerate(labels[page * per_page : (page + 1) * per_page]):
            col, row = n % COLUMNS, n // COLUMNS
            x = MARGIN_X + col * cell_w
            y = page_h - MARGIN_TOP - (row + 1) * cell_h
            _label(pdf, label, x + 2 * mm, y + 2 * mm, cell_w - 4 * mm, cell_h - 4 * mm)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def places(session: Session, property_id: int) -> tuple[dict[int, str], dict[int, str]]:
    """Building and floor names of a property, by id."""
    buildings = pairs(
        session.execute(
            select(Building.id, Building.name_zh).where(Building.property_id == property_id)
        )
    )
    floors = pairs(
        session.execute(select(Floor.id, Floor.name).where(Floor.property_id == property_id))
    )
    return buildings, floors


def place_of(checkpoint: Checkpoint, buildings: dict[int, str], floors: dict[int, str]) -> str:
    parts = [
        buildings.get(checkpoint.building_id, "") if checkpoint.building_id else "室外",
        floors.get(checkpoint.floor_id, "") if checkpoint.floor_id else "",
    ]
    return " ".join(p for p in parts if p)


def labels_pdf(session: Session, prop: Property, building: Building | None) -> bytes:
    """The label sheet of one building's active checkpoints, or of the whole property."""
    stmt = select(Checkpoint).where(Checkpoint.property_id == prop.id, Checkpoint.active.is_(True))
    if building is not None:
        stmt = stmt.where(Checkpoint.building_id == building.id)
    buildings, floors = places(session, prop.id)
    checkpoints = sorted(
        session.scalars(stmt),
        key=lambda c: (c.building_id or 0, c.floor_id or 0, c.code),
    )
    where = building.name_zh if building is not None else "全部"
    return label_sheet(
        f"{prop.name_zh} · {where} · 巡查点二维码标签",
        [
            Label(c.name_zh, c.name_en, place_of(c, buildings, floors), c.code, c.qr_token)
            for c in checkpoints
        ],
    )
