"""Barcode labels: images (SVG, PNG, a PDF sheet) through python-barcode, and ZPL II for Zebra.

Check digits are validated before anything is drawn (python-barcode silently "fixes" a wrong
EAN-13 check digit, which would print a label for another product). The human-readable text
under a GS1-128 symbol is ours, `(01)…(17)…(10)…`, never python-barcode's FNC1 glyph.

    zpl(LocationLabel("04-B-03-02"))                          # -> "^XA…^XZ"
    zpl(ItemLabel("SKU1", "Soap", "5901234123457", lot="L42", expiry=date(2026, 5, 31)))
    zpl(PalletLabel("106141412345678908", content_gtin="05901234123457", count=24))
    image_for(label, "svg")                                   # -> bytes
    write_images(labels, "out_dir", "png"); pdf_sheet(labels, "labels.pdf")
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path

from .gs1 import check_digit, check_digit_error, is_gtin
from .text_cells import fit


class LabelError(ValueError):
    """A label that cannot be printed as asked; the message says what is wrong."""


@dataclass(frozen=True)
class LocationLabel:
    code: str                     # what people read: 04-B-03-02
    barcode: str | None = None    # what is encoded (the code with the location prefix); default: code
    zone: str = ""

    @property
    def data(self) -> str:
        return self.barcode or self.code


@dataclass(frozen=True)
class ItemLabel:
    sku: str
    name: str = ""
    barcode: str | None = None    # a GTIN (8/12/13/14 digits) or an internal code; default: the SKU
    lot: str | None = None
    expiry: dt.date | None = None


@dataclass(frozen=True)
class PalletLabel:
    sscc: str                     # 18 digits
    content_gtin: str | None = None
    count: int | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    order_number: str | None = None
    ship_to: str = ""


# -- validation and GS1 element strings ------------------------------------------------------------

def validate_gtin(code: str) -> str:
    """CODE as a 14-digit GTIN, or LabelError saying which check digit was expected."""
    if not is_gtin(code):
        raise LabelError(_("a GTIN has 8, 12, 13 or 14 digits, got {code!r}").format(code=code))
    error = check_digit_error(code, "GTIN")
    if error:
        raise LabelError(error)
    return code.zfill(14)


def validate_sscc(code: str) -> str:
    if not (code.isdigit() and len(code) == 18):
        raise LabelError(_("an SSCC has 18 digits, got {code!r}").format(code=code))
    error = check_digit_error(code, "SSCC")
    if error:
        raise LabelError(error)
    return code


def make_sscc(extension: int, company_prefix: str, serial: int) -> str:
    """An SSCC: extension digit + company prefix + serial reference, padded to 17 digits, + check digit."""
    body = f"{extension}{company_prefix}"
    width = 17 - len(body)
    if width < 1 or not body.isdigit() or serial >= 10 ** width:
        raise LabelError(_("serial {serial} does not fit an SSCC with company prefix {company_prefix}").format(
            serial=serial, company_prefix=company_prefix))
    payload = f"{body}{serial:0{width}d}"
    return payload + str(check_digit(payload))


def yymmdd(day: dt.date) -> str:
    return day.strftime("%y%m%d")


def item_elements(label: ItemLabel) -> list[tuple[str, str]]:
    """(AI, value) pairs of an item label's GS1-128: (01), (17), (10); fixed-length first so that
    only a variable-length field in the middle would need a separator."""
    out = [("01", validate_gtin(label.barcode or ""))]
    if label.expiry:
        out.append(("17", yymmdd(label.expiry)))
    if label.lot:
        out.append(("10", label.lot))
    return out


def pallet_elements(label: PalletLabel) -> list[tuple[str, str]]:
    out = [("00", validate_sscc(label.sscc))]
    if label.content_gtin:
        if label.count is None:
            raise LabelError(_("a pallet label with a content GTIN (02) needs its count (37)"))
        out.append(("02", validate_gtin(label.content_gtin)))
    if label.expiry:
        out.append(("17", yymmdd(label.expiry)))
    if label.count is not None:
        out.append(("37", str(label.count)))
    if label.lot:
        out.append(("10", label.lot))
    if label.order_number:
        out.append(("400", label.order_number))
    return out


def hri(elements: list[tuple[str, str]]) -> str:
    """Human-readable text: (01)05901234123457(17)260531(10)L42."""
    return "".join(f"({ai}){value}" for ai, value in elements)


def _check_elements(elements: list[tuple[str, str]]) -> None:
    """biip parses what we are about to print: a bad date or a too-long lot is refused here."""
    from biip import ParseError
    from biip.gs1_messages import GS1Message
    try:
        GS1Message.parse_hri(hri(elements))
    except ParseError as exc:
        raise LabelError(_("not valid GS1 data {hri}: {error}").format(hri=hri(elements), error=exc)) from None


def _needs_separator(ai: str) -> bool:
    from biip.gs1_application_identifiers import GS1ApplicationIdentifier
    return GS1ApplicationIdentifier.extract(ai).separator_required


# -- images (python-barcode) ---------------------------------------------------------------------

def _writer(fmt: str):
    if fmt == "svg":
        from barcode.writer import SVGWriter
        return SVGWriter()
    if fmt == "png":
        from barcode.writer import ImageWriter
        return ImageWriter(format="PNG")
    raise LabelError(_("image format must be svg or png, got {fmt!r}").format(fmt=fmt))


def _render(symbol, fmt: str, text: str) -> bytes:
    buf = io.BytesIO()
    symbol.write(buf, options={"module_height": 12.0, "font_size": 8, "text_distance": 4.0, "quiet_zone": 6.5},
                 text=text)
    return buf.getvalue()


def code128_image(data: str, fmt: str = "svg", text: str | None = None) -> bytes:
    from barcode import Code128
    if not data or not all(32 <= ord(c) < 127 for c in data):
        raise LabelError(_("Code 128 labels take printable ASCII only, got {data!r}").format(data=data))
    return _render(Code128(data, writer=_writer(fmt)), fmt, data if text is None else text)


def ean13_image(code: str, fmt: str = "svg") -> bytes:
    from barcode import EAN13
    if not (code.isdigit() and len(code) == 13):
        raise LabelError(_("an EAN-13 has 13 digits, got {code!r}").format(code=code))
    error = check_digit_error(code, "EAN-13")
    if error:
        raise LabelError(error)
    return _render(EAN13(code[:12], writer=_writer(fmt)), fmt, code)


def gs1_128_image(elements: list[tuple[str, str]], fmt: str = "svg") -> bytes:
    from barcode.codex import Gs1_128
    _check_elements(elements)
    data = ""
    for i, (ai, value) in enumerate(elements):
        data += ai + value
        if i < len(elements) - 1 and _needs_separator(ai):
            data += Gs1_128.FNC1_CHAR
    return _render(Gs1_128(data, writer=_writer(fmt)), fmt, hri(elements))


def image_for(label, fmt: str = "svg") -> bytes:
    """The barcode image of one label."""
    if isinstance(label, LocationLabel):
        return code128_image(label.data, fmt, text=label.code)
    if isinstance(label, ItemLabel):
        code = label.barcode
        if is_gtin(code) and (label.lot or label.expiry or len(code) == 14):
            return gs1_128_image(item_elements(label), fmt)
        if is_gtin(code) and len(code) in (12, 13):
            return ean13_image(validate_gtin(code)[1:], fmt)
        if is_gtin(code):  # EAN-8
            validate_gtin(code)
            return code128_image(code, fmt)
        return code128_image(code or label.sku, fmt)
    if isinstance(label, PalletLabel):
        return gs1_128_image(pallet_elements(label), fmt)
    raise LabelError(f"not a label: {label!r}")


def _filename(label) -> str:
    name = label.code if isinstance(label, LocationLabel) else label.sku if isinstance(label, ItemLabel) else label.sscc
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "label"


def write_images(labels, out: str | Path, fmt: str) -> list[Path]:
    """One image file per label in the directory OUT (created if needed)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    rendered = [(label, image_for(label, fmt)) for label in labels]   # all or nothing
    files = []
    for label, data in rendered:
        path = folder / f"{_filename(label)}.{fmt}"
        path.write_bytes(data)
        files.append(path)
    return files


def _zone(zone: str) -> str:
    return _("zone {zone}").format(zone=zone)


def _lot_expiry(label: ItemLabel) -> list[str]:
    """An item label's lot and expiry as its caption and its ZPL text say them."""
    return [_("lot {lot}").format(lot=label.lot) if label.lot else "",
            _("exp {date}").format(date=label.expiry.isoformat()) if label.expiry else ""]


def _caption(label) -> str:
    if isinstance(label, LocationLabel):
        return f"{label.code}" + (f"   {_zone(label.zone)}" if label.zone else "")
    if isinstance(label, ItemLabel):
        extra = "".join(f"  {text}" for text in _lot_expiry(label) if text)
        return fit(f"{label.sku}  {label.name}", 40).rstrip() + extra
    return f"SSCC {label.sscc}"


# Where a Chinese caption finds its glyphs: Noto Sans CJK shipped by a package the project
# installs (manimgx-fonts-cjk), else the fonts a Debian system has (fonts-noto-cjk, WenQuanYi).
SYSTEM_CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
SIMPLIFIED_CHINESE_FACE = 2      # in Noto Sans CJK's collections: JP, KR, SC, TC, HK


def caption_font(size: int = 22):
    """A font for captions that draws Chinese as well as Latin text, at SIZE pixels."""
    from PIL import ImageFont
    try:
        import manimgx_fonts_cjk
        path = Path(manimgx_fonts_cjk.__file__).parent / "NotoSansCJK-VF.otf.ttc"
        font = ImageFont.truetype(str(path), size, index=SIMPLIFIED_CHINESE_FACE)
        font.set_variation_by_name("Regular")      # the variable font opens at its Thin end
        return font
    except (ImportError, OSError, ValueError):
        pass
    for candidate in SYSTEM_CJK_FONTS:
        if Path(candidate).is_file():
            index = SIMPLIFIED_CHINESE_FACE if "Noto" in candidate else 0
            return ImageFont.truetype(candidate, size, index=index)
    return None


def pdf_sheet(labels, out: str | Path, *, columns: int = 3, rows: int = 8, dpi: int = 200) -> Path:
    """An A4 sheet (or several) of labels, COLUMNS × ROWS to a page, as one PDF."""
    from PIL import Image, ImageDraw, ImageFont
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    margin = int(0.3 * dpi)
    cell_w, cell_h = (width - 2 * margin) // columns, (height - 2 * margin) // rows
    images = [(label, Image.open(io.BytesIO(image_for(label, "png"))).convert("L")) for label in labels]
    font = caption_font()
    if font is None:
        if any(not _caption(label).isascii() for label, _ in images):
            raise LabelError(_("no font with Chinese characters for the captions: install fonts-noto-cjk "
                               "(or pip install manimgx-fonts-cjk)"))
        font = ImageFont.load_default()
    pages = []
    per_page = columns * rows
    for start in range(0, len(images), per_page):
        page = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(page)
        for i, (label, img) in enumerate(images[start:start + per_page]):
            x = margin + (i % columns) * cell_w
            y = margin + (i // columns) * cell_h
            draw.text((x + 10, y + 6), _caption(label), fill=0, font=font)
            box_w, box_h = cell_w - 20, cell_h - 40
            scale = min(box_w / img.width, box_h / img.height)
            fitted = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))), Image.NEAREST)
            page.paste(fitted, (x + 10, y + 30))
        pages.append(page)
    path = Path(out)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    pages[0].save(path, "PDF", resolution=float(dpi), save_all=True, append_images=pages[1:])
    return path


# -- ZPL II --------------------------------------------------------------------------------------

# A printer's built-in font 0 has no Chinese glyphs. Text that is not plain Latin is set in a
# TrueType font stored on the printer (Zebra's SimSun download; ZPL_CJK_FONT names it), with
# ^CI28 so the data is UTF-8. docs/devices.md says how to load the font.
ZPL_CJK_FONT = "E:SIMSUN.TTF"


def _font(height: int, width: int, text: str) -> str:
    if all(ord(c) < 0x250 for c in text):
        return f"^A0N,{height},{width}"
    return f"^A@N,{height},{width},{ZPL_CJK_FONT}"


def _text_field(x: int, y: int, height: int, text: str, cells: int | None = None) -> str:
    """A line of text at (X, Y), cut to CELLS terminal-style cells (a Chinese character is
    two, as wide as two Latin letters on the label) and never in the middle of a character."""
    if cells is not None:
        from rich.cells import cell_len, set_cell_size
        if cell_len(text) > cells:
            text = set_cell_size(text, cells).rstrip()
    return f"^FO{x},{y}{_font(height, height, text)}{_fd(text)}"


def _fd(text: str) -> str:
    """A field's data, with ^ ~ and \\ written as ^FH hex escapes so they cannot end the field."""
    escaped = "".join(f"\\{ord(c):02X}" if c in "^~\\" else c for c in text)
    return f"^FH\\^FD{escaped}^FS"


def _code128_fd(data: str) -> str:
    if not data or not all(32 <= ord(c) < 127 for c in data):
        raise LabelError(_("Code 128 labels take printable ASCII only, got {data!r}").format(data=data))
    # In ^BC data '>' starts an invocation code; '><' is a literal '>'.
    return _fd(data.replace(">", "><"))


def zpl_location(label: LocationLabel) -> str:
    """4 × 2 in at 203 dpi: the code in large type, Code 128 below, the zone."""
    return ("^XA^CI28^PW812^LL406"
            f"^FO40,25^A0N,70,70{_fd(label.code)}"
            f"^FO40,110^BY3^BCN,190,N,N,N,A{_code128_fd(label.data)}"
            + (_text_field(40, 320, 40, _zone(label.zone)) if label.zone else "")
            + "^XZ\n")


def zpl_item(label: ItemLabel) -> str:
    """4 × 3 in: SKU and name; EAN-13 or ITF-14 for the GTIN; GS1-128 (01)(17)(10) when there is
    a lot or an expiry; Code 128 of the internal code or SKU when there is no GTIN."""
    parts = ["^XA^CI28^PW812^LL609",
             f"^FO40,25^A0N,50,50{_fd(label.sku)}",
             _text_field(40, 85, 32, label.name, cells=45)]
    code = label.barcode
    if is_gtin(code):
        gtin = validate_gtin(code)
        if len(code) == 12:
            parts.append(f"^FO60,135^BY3^BUN,120,Y,N,Y{_fd(code[:11])}")        # UPC-A
        elif gtin.startswith("0") and len(code) != 8:
            parts.append(f"^FO60,135^BY3^BEN,120,Y,N{_fd(gtin[1:13])}")        # the printer adds the check digit
        elif len(code) == 8:
            parts.append(f"^FO60,135^BY3^B8N,120,Y,N{_fd(code[:7])}")
        else:
            parts.append(f"^FO60,135^BY3^B2N,120,Y,N,N{_fd(gtin)}")            # ITF-14
        if label.lot or label.expiry:
            elements = item_elements(label)
            _check_elements(elements)
            parts.append(f"^FO40,320^BY2^BCN,150,N,N,N,D{_fd(hri(elements))}")
            parts.append(f"^FO40,480^A0N,30,30{_fd(hri(elements))}")
    else:
        data = code or label.sku
        parts.append(f"^FO60,135^BY3^BCN,150,N,N,N,A{_code128_fd(data)}")
        parts.append(f"^FO60,295^A0N,30,30{_fd(data)}")
        if label.lot or label.expiry:
            text = " ".join(filter(None, _lot_expiry(label)))
            parts.append(_text_field(40, 350, 36, text))
    parts.append("^XZ\n")
    return "".join(parts)


def zpl_pallet(label: PalletLabel) -> str:
    """4 × 6 in logistics label: content lines, then GS1-128 of the content data and the SSCC."""
    elements = pallet_elements(label)
    _check_elements(elements)
    sscc = elements[0]
    rest = elements[1:]
    parts = ["^XA^CI28^PW812^LL1218"]
    y = 30
    if label.ship_to:
        parts.append(_text_field(40, y, 36, _("SHIP TO: {ship_to}").format(ship_to=label.ship_to), cells=40))
        y += 60
    lines = [("SSCC", label.sscc), ("CONTENT", label.content_gtin), ("COUNT", label.count),
             ("BATCH/LOT", label.lot), ("EXPIRY", label.expiry.isoformat() if label.expiry else None),
             ("ORDER", label.order_number)]
    for title, value in lines:
        if value is not None:
            parts.append(f"^FO40,{y}^A0N,40,40{_fd(f'{title}: {value}')}")
            y += 55
    y = max(y + 20, 420)
    if rest:
        parts.append(f"^FO40,{y}^BY2^BCN,160,N,N,N,D{_fd(hri(rest))}")
        parts.append(f"^FO40,{y + 170}^A0N,30,30{_fd(hri(rest))}")
        y += 240
    parts.append(f"^FO40,{y}^BY3^BCN,200,N,N,N,D{_fd(hri([sscc]))}")
    parts.append(f"^FO40,{y + 210}^A0N,36,36{_fd(hri([sscc]))}")
    parts.append("^XZ\n")
    return "".join(parts)


def zpl(label) -> str:
    if isinstance(label, LocationLabel):
        return zpl_location(label)
    if isinstance(label, ItemLabel):
        return zpl_item(label)
    if isinstance(label, PalletLabel):
        return zpl_pallet(label)
    raise LabelError(f"not a label: {label!r}")
