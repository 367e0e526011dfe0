"""Printable PDFs: the Rectification Notice (违章整改通知单) and the deposit statement.

ReportLab with its built-in CID font STSong-Light (Chinese without a font file); English on
request. The notice carries a QR code to the public verification page of its first photo
(``/v/<short code>``), so a printed copy can be checked against the stored original.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import Any

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

log = logging.getLogger("xunjian.renovation")
FONT = "STSong-Light"

LABELS = {
    "zh": {
        "notice": "违章整改通知单",
        "draft": "（草稿，未发出）",
        "no": "编号",
        "property": "项目",
        "unit": "房号",
        "owner": "业主",
        "contractor": "施工单位",
        "permit": "施工证号",
        "issued": "发出日期",
        "intro": "经现场检查，贵户装修存在以下违章行为，请按期整改：",
        "code": "编号",
        "item": "违章内容",
        "note": "现场情况",
        "severity": "程度",
        "deadline": "整改期限",
        "by": "前整改完毕",
        "stop": "立即停工，整改合格后方可复工。",
        "measures": "处理措施",
        "photos": "现场照片",
        "verify": "扫码核验照片",
        "signed": "签收人",
        "refused": "拒签，已张贴通知单（照片存证）",
        "sign_line": "签收人：＿＿＿＿＿＿　日期：＿＿＿＿＿＿",
        "office": "管理处（盖章）",
        "statement": "装修押金结算单",
        "deposit": "押金",
        "deductions": "扣款明细",
        "amount": "金额（元）",
        "total": "扣款合计",
        "refund": "退还业主",
        "shortfall": "业主应补缴",
        "approved": "经理批准",
        "state": "状态",
    },
    "en": {
        "notice": "Rectification Notice",
        "draft": " (draft, not issued)",
        "no": "No.",
        "property": "Property",
        "unit": "Unit",
        "owner": "Owner",
        "contractor": "Contractor",
        "permit": "Work permit",
        "issued": "Issued",
        "intro": "The inspection of your renovation found the violations below. "
        "Rectify them by the deadline:",
        "code": "Code",
        "item": "Violation",
        "note": "Found on site",
        "severity": "Severity",
        "deadline": "Deadline",
        "by": "(rectified by the end of this day)",
        "stop": "Stop work at once; resume only after the rectification is accepted.",
        "measures": "Measures",
        "photos": "Photos",
        "verify": "Scan to verify the photo",
        "signed": "Received by",
        "refused": "Refused to sign; notice posted (photographed)",
        "sign_line": "Received by: ____________   Date: ____________",
        "office": "Management office (seal)",
        "statement": "Renovation Deposit Statement",
        "deposit": "Deposit",
        "deductions": "Deductions",
        "amount": "Amount (CNY)",
        "total": "Total deductions",
        "refund": "Refund to the owner",
        "shortfall": "Shortfall claimed from the owner",
        "approved": "Approved by the manager",
        "state": "State",
    },
}
SEVERITY_NAMES = {
    "zh": {"critical": "严重", "major": "较重", "minor": "一般"},
    "en": {"critical": "critical", "major": "major", "minor": "minor"},
}


@dataclass
class NoticeDoc:
    """Everything printed on a notice, gathered by the view from the services."""

    lang: str
    serial: str | None
    property_name: str
    unit: str
    owner: str
    contractor: str
    permit_no: str
    issued: str
    deadline: str
    stop_work: bool
    violations: list[dict[str, str]]  # code, name, note, severity
    measures: list[str]
    photos: list[bytes] = field(default_factory=list)  # thumbnails
    qr_url: str = ""
    signed_by: str = ""
    signature_png: bytes | None = None
    refused: bool = False


def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=16)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=24, alignment=1)
    return body, head, title


def _esc(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _qr(url: str, size: float) -> Image:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=6, border=2)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    buffer.seek(0)
    return Image(buffer, width=size, height=size)


def _image(data: bytes, max_w: float, max_h: float) -> Image | None:
    try:
        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(data)) as img:
            w, h = img.size
        scale = min(max_w / w, max_h / h)
        return Image(io.BytesIO(data), width=w * scale, height=h * scale)
    except Exception:  # a damaged thumbnail must not stop the notice from printing
        log.warning("could not place an image on a PDF", exc_info=True)
        return None


def _grid(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _doc(buffer: io.BytesIO, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        invariant=1,
    )


def notice_pdf(doc: NoticeDoc) -> bytes:
    L = LABELS[doc.lang]
    body, head, title = _styles()
    buffer = io.BytesIO()
    heading = L["notice"] + ("" if doc.serial else L["draft"])
    story: list[Any] = [
        Paragraph(_esc(f"{doc.property_name} {heading}"), title),
        Spacer(1, 3 * mm),
        Paragraph(_esc(f"{L['no']}：{doc.serial or '—'}"), head),
        Paragraph(_esc(f"{L['unit']}：{doc.unit}　{L['owner']}：{doc.owner}"), head),
        Paragraph(
            _esc(
                f"{L['contractor']}：{doc.contractor or '—'}　{L['permit']}：{doc.permit_no or '—'}"
            ),
            body,
        ),
        Paragraph(_esc(f"{L['issued']}：{doc.issued or '—'}"), body),
        Spacer(1, 4 * mm),
        Paragraph(_esc(L["intro"]), body),
        Spacer(1, 2 * mm),
    ]
    rows: list[list[Any]] = [
        [Paragraph(_esc(L[k]), body) for k in ("code", "item", "note", "severity")]
    ]
    for v in doc.violations:
        rows.append(
            [
                Paragraph(_esc(v["code"]), body),
                Paragraph(_esc(v["name"]), body),
                Paragraph(_esc(v["note"]), body),
                Paragraph(_esc(SEVERITY_NAMES[doc.lang].get(v["severity"], v["severity"])), body),
            ]
        )
    story += [_grid(rows, [16 * mm, 62 * mm, 72 * mm, 20 * mm]), Spacer(1, 4 * mm)]
    story.append(Paragraph(_esc(f"{L['deadline']}：{doc.deadline or '—'} {L['by']}"), head))
    if doc.stop_work:
        story.append(Paragraph(_esc(L["stop"]), head))
    if doc.measures:
        story.append(Paragraph(_esc(f"{L['measures']}：" + "；".join(doc.measures)), body))
    if doc.photos:
        images = [i for i in (_image(p, 40 * mm, 40 * mm) for p in doc.photos[:4]) if i]
        if images:
            story += [Spacer(1, 3 * mm), Paragraph(_esc(L["photos"]), body), Table([images])]
    story.append(Spacer(1, 6 * mm))
    if doc.signature_png:
        story.append(Paragraph(_esc(f"{L['signed']}：{doc.signed_by}"), body))
        signature = _image(doc.signature_png, 50 * mm, 18 * mm)
        if signature:
            story.append(signature)
    elif doc.refused:
        story.append(Paragraph(_esc(L["refused"]), body))
    else:
        story.append(Paragraph(_esc(L["sign_line"]), body))
    footer: list[Any] = [Paragraph(_esc(L["office"]), body)]
    if doc.qr_url:
        # The address is printed too: a faded or photocopied QR code can still be typed in.
        footer += [
            _qr(doc.qr_url, 28 * mm),
            Paragraph(f"{_esc(L['verify'])}<br/>{_esc(doc.qr_url)}", body),
        ]
    story += [Spacer(1, 6 * mm), Table([footer])]
    _doc(buffer, f"{L['notice']} {doc.serial or ''}").build(story)
    return buffer.getvalue()


def statement_pdf(data: dict[str, Any], lang: str) -> bytes:
    L = LABELS[lang]
    body, head, title = _styles()
    buffer = io.BytesIO()
    story: list[Any] = [
        Paragraph(_esc(f"{data['property_name']} {L['statement']}"), title),
        Spacer(1, 3 * mm),
        Paragraph(_esc(f"{L['unit']}：{data['unit']}　{L['owner']}：{data['owner']}"), head),
        Paragraph(
            _esc(f"{L['permit']}：{data['permit_no'] or '—'}　{L['state']}：{data['state']}"), body
        ),
        Paragraph(_esc(f"{L['deposit']}：{data['deposit']}"), head),
        Spacer(1, 3 * mm),
        Paragraph(_esc(L["deductions"]), body),
    ]
    rows: list[list[Any]] = [[Paragraph(_esc(t), body) for t in ("#", L["item"], L["amount"])]]
    for index, d in enumerate(data["deductions"], start=1):
        rows.append(
            [
                Paragraph(str(index), body),
                Paragraph(_esc(d["description"]), body),
                Paragraph(_esc(d["amount"]), body),
            ]
        )
    story += [_grid(rows, [12 * mm, 118 * mm, 40 * mm]), Spacer(1, 4 * mm)]
    story.append(Paragraph(_esc(f"{L['total']}：{data['total']}"), head))
    if data["shortfall"] != "0.00":
        story.append(Paragraph(_esc(f"{L['shortfall']}：{data['shortfall']}"), head))
    else:
        story.append(Paragraph(_esc(f"{L['refund']}：{data['refund']}"), head))
    if data.get("approved_by"):
        story.append(
            Paragraph(_esc(f"{L['approved']}：{data['approved_by']} {data['approved_at']}"), body)
        )
    story += [
        Spacer(1, 10 * mm),
        Paragraph(_esc(L["sign_line"]), body),
        Paragraph(_esc(L["office"]), body),
    ]
    _doc(buffer, L["statement"]).build(story)
    return buffer.getvalue()
