"""Labels and printers: images read back by a real barcode decoder (zxing-cpp), ZPL, a PDF
sheet, and print jobs to a real TCP server, a pty and a file."""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import socket
import threading
import time
import tty

import pytest
import zxingcpp
from PIL import Image

from devices.labels import (ItemLabel, LabelError, LocationLabel, PalletLabel, code128_image, ean13_image,
                            gs1_128_image, image_for, make_sscc, pdf_sheet, write_images, zpl)
from devices.printers import PrinterError, send
from terminal.cli import main
from tests import factories as f


def read_back(png: bytes):
    """What a scanner would read from the image: (format name, text, AIM identifier)."""
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, results
    r = results[0]
    return r.format.name, r.text, r.symbology_identifier


# -- images ------------------------------------------------------------------------------------

def test_code128_location_label_reads_back():
    assert read_back(image_for(LocationLabel("04-B-03-02"), "png")) == ("Code128", "04-B-03-02", "]C0")


def test_ean13_reads_back_and_a_wrong_check_digit_is_refused():
    assert read_back(ean13_image("5901234123457", "png")) == ("EAN13", "5901234123457", "]E0")
    with pytest.raises(LabelError, match="expected 7, got 8"):
        ean13_image("5901234123458", "png")
    with pytest.raises(LabelError, match="expected 7, got 8"):
        image_for(ItemLabel("SOAP", barcode="5901234123458"), "svg")


def test_gs1_128_item_label_reads_back_as_gs1_with_our_text():
    label = ItemLabel("SOAP", "Soap", "5901234123457", lot="L42", expiry=dt.date(2026, 5, 31))
    fmt, text, aim = read_back(image_for(label, "png"))
    assert (fmt, aim) == ("Code128", "]C1")                 # FNC1 first: GS1-128
    assert text == "(01)05901234123457(17)260531(10)L42"
    svg = image_for(label, "svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "(01)05901234123457(17)260531(10)L42" in svg     # the human-readable line is ours
    assert "ñ" not in svg


def test_gs1_128_separator_after_a_variable_field():
    png = gs1_128_image([("00", "106141412345678908"), ("37", "25"), ("10", "ABC123")], "png")
    assert read_back(png)[1] == "(00)106141412345678908(37)25(10)ABC123"


def test_gs1_128_refuses_bad_data():
    with pytest.raises(LabelError, match="expected 8, got 9"):
        image_for(PalletLabel("106141412345678909"), "svg")
    with pytest.raises(LabelError, match="not valid GS1 data"):
        gs1_128_image([("01", "05901234123457"), ("17", "261301")], "svg")
    with pytest.raises(LabelError, match="needs its count"):
        image_for(PalletLabel("106141412345678908", content_gtin="05901234123457"), "svg")
    with pytest.raises(LabelError, match="printable ASCII"):
        code128_image("ÄÖ", "svg")


def test_make_sscc_matches_the_gs1_example():
    assert make_sscc(1, "0614141", 234567890) == "106141412345678908"


def test_write_images_and_pdf_sheet(tmp_path):
    labels = [LocationLabel(f"A-{i:02d}", zone="A") for i in range(30)]
    files = write_images(labels[:3], tmp_path / "png", "png")
    assert [p.name for p in files] == ["A-00.png", "A-01.png", "A-02.png"]
    assert read_back(files[1].read_bytes())[1] == "A-01"
    pdf = pdf_sheet(labels, tmp_path / "sheet.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert re.findall(rb"/Count (\d+)", data) == [b"2"]          # 30 labels, 24 a page


# -- ZPL ---------------------------------------------------------------------------------------

def test_zpl_location_item_and_pallet():
    loc = zpl(LocationLabel("04-B-03-02", zone="B"))
    assert loc.startswith("^XA") and loc.rstrip().endswith("^XZ")
    assert "^BCN,190,N,N,N,A^FH\\^FD04-B-03-02^FS" in loc
    item = zpl(ItemLabel("SOAP", "Soap", "5901234123457", lot="L42", expiry=dt.date(2026, 5, 31)))
    assert "^BEN,120,Y,N^FH\\^FD590123412345^FS" in item         # EAN-13: the printer adds the check digit
    assert "^BCN,150,N,N,N,D^FH\\^FD(01)05901234123457(17)260531(10)L42^FS" in item   # GS1-128 mode D
    pallet = zpl(PalletLabel("106141412345678908", content_gtin="05901234123457", count=24, lot="L42",
                             order_number="PO-1042", ship_to="ACME"))
    assert "^FD(00)106141412345678908^FS" in pallet
    assert "^FD(02)05901234123457(37)24(10)L42(400)PO-1042^FS" in pallet
    assert "SHIP TO: ACME" in pallet


def test_zpl_escapes_caret_and_tilde_and_checks_gtins():
    text = zpl(ItemLabel("A^B", "x~y", None))
    assert "^FDA\\5EB^FS" in text and "x\\7Ey" in text
    with pytest.raises(LabelError, match="expected 7"):
        zpl(ItemLabel("SOAP", "Soap", "5901234123458"))


# -- printer targets -----------------------------------------------------------------------------

def tcp_printer():
    """A real TCP printer on a free port: (its socket, port, the bytes it received, its thread)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    received = bytearray()

    def printer():
        conn, _ = server.accept()
        while chunk := conn.recv(65536):
            received.extend(chunk)
        conn.close()

    t = threading.Thread(target=printer, daemon=True)
    t.start()
    return server, server.getsockname()[1], received, t

def test_send_to_a_real_tcp_printer():
    server, port, received, t = tcp_printer()
    job = zpl(LocationLabel("04-B-03-02")).encode() * 50
    send(f"tcp://127.0.0.1:{port}", job)
    t.join(5)
    server.close()
    assert bytes(received) == job


def test_tcp_printer_that_is_off_gives_a_clear_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()                       # nobody listens there
    with pytest.raises(PrinterError, match=f"cannot print to 127.0.0.1:{port}"):
        send(f"tcp://127.0.0.1:{port}", b"^XA^XZ", timeout=2)


def test_send_to_a_serial_printer_over_a_pty():
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    job = zpl(LocationLabel("04-B-03-02")).encode()
    send(f"serial://{path}?baud=19200", job)
    got = b""
    deadline = time.monotonic() + 5
    while len(got) < len(job) and time.monotonic() < deadline:
        got += os.read(master, 65536)
    os.close(master)
    os.close(slave)
    assert got == job


def test_send_to_a_file_appends_and_missing_target_is_an_error(tmp_path):
    target = tmp_path / "spool" / "labels.out"
    send(str(target), b"first\n")
    send(f"file://{target}", "packing list\n")
    assert target.read_bytes() == b"first\npacking list\n"
    with pytest.raises(PrinterError, match="no printer configured"):
        send("", b"x")


# -- wh labels -----------------------------------------------------------------------------------

def seed():
    f.warehouse()
    f.location("A-01-01", zone="A")
    f.location("A-01-02", zone="A")
    f.location("B-01-01", zone="B")
    soap = f.item("SOAP", name="Soap", lot=True, barcodes=[("5901234123457", 1)])
    f.lot(soap, "L42", "2026-05-31")
    f.item("BOLT", name="Bolt M6", barcodes=[("INT-BOLT", 1)])


def test_wh_labels_locations_zpl_to_a_file_by_zone(sqlite_store, tmp_path, capsys):
    seed()
    out = tmp_path / "loc.zpl"
    assert main(["--db", sqlite_store, "labels", "locations", "--zone", "A", "--format", "zpl", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.count("^XA") == 2
    assert "^FDA-01-01^FS" in text and "^FDA-01-02^FS" in text and "B-01-01" not in text
    assert "@" not in text                           # virtual locations get no labels
    assert "2 location label(s)" in capsys.readouterr().out


def test_wh_labels_items_svg_png_pdf(sqlite_store, tmp_path, capsys):
    seed()
    assert main(["--db", sqlite_store, "labels", "items", "--format", "png", "--out", str(tmp_path / "png")]) == 0
    assert read_back((tmp_path / "png" / "SOAP.png").read_bytes())[:2] == ("EAN13", "5901234123457")
    assert read_back((tmp_path / "png" / "BOLT.png").read_bytes())[:2] == ("Code128", "INT-BOLT")
    assert main(["--db", sqlite_store, "labels", "items", "--sku", "SOAP", "--lot", "L42", "--format", "svg",
                 "--out", str(tmp_path / "svg")]) == 0
    assert "(01)05901234123457(17)260531(10)L42" in (tmp_path / "svg" / "SOAP.svg").read_text()
    assert main(["--db", sqlite_store, "labels", "items", "--format", "pdf", "--out", str(tmp_path / "i.pdf")]) == 0
    assert (tmp_path / "i.pdf").read_bytes().startswith(b"%PDF")
    capsys.readouterr()
    assert main(["--db", sqlite_store, "labels", "items", "--sku", "NOPE", "--format", "zpl",
                 "--out", str(tmp_path / "x.zpl")]) == 1
    assert "unknown item SKU NOPE" in capsys.readouterr().err


def test_wh_labels_items_zpl_to_the_configured_tcp_printer(sqlite_store, tmp_path):
    seed()
    server, port, received, t = tcp_printer()
    config = tmp_path / "station.toml"
    config.write_text(f'[station]\nprinter = "tcp://127.0.0.1:{port}"\n')
    assert main(["--config", str(config), "--db", sqlite_store, "labels", "items", "--sku", "SOAP", "--lot", "L42"]) == 0
    t.join(5)
    server.close()
    assert b"^FD(01)05901234123457(17)260531(10)L42^FS" in bytes(received)


def test_chinese_names_print_on_pdf_sheets_and_zpl(tmp_path):
    from devices.labels import ZPL_CJK_FONT, caption_font
    font = caption_font(24)
    assert font is not None and "CJK SC" in font.getname()[0]
    # Each character has a glyph of its own: a font without them draws the same empty box.
    masks = {ch: bytes(font.getmask(ch)) for ch in "康师傅牛"}
    assert len(set(masks.values())) == 4 and all(any(m) for m in masks.values())
    noodles = ItemLabel("6901234567892", "康师傅红烧牛肉面 五连包", "6901234567892")
    pdf = pdf_sheet([noodles, ItemLabel("B2", "Bolt M8")], tmp_path / "zh.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    text = zpl(ItemLabel("SKU1", "青岛啤酒 Tsingtao Beer 500ml×12 纯生 整箱装 特价 促销 装", "6901234567892"))
    # 45 cells: 22 Chinese characters would be 44; cut at a character, never inside one.
    assert f"^A@N,32,32,{ZPL_CJK_FONT}^FH\\^FD青岛啤酒 Tsingtao Beer 500ml×12 纯生 整箱装^FS" in text
    assert "^CI28" in text and "^A0N,32,32^FH\\^FDBolt M8" in zpl(ItemLabel("B2", "Bolt M8"))
