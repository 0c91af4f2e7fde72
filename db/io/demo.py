"""`wh demo`: a believable small warehouse, the same for the same seed.

What it builds (see docs/data.md): 2 warehouses with ~200 aisle-bay-level locations plus a
dock, a shipping area and a quarantine each; ~300 items with valid EAN-13 and GTIN-14 case
barcodes (food and pharmacy items lot- and expiry-tracked); 8 suppliers; 20 customers; 3
operators; and about 60 days of history simulated day by day: opening stock, sales orders
picked and shipped, stock falling below reorder points, purchase orders raised and received
(some late, some with rejects, some partly), a few transfers and adjustments. What is still
in flight at "today" stays open: POs due soon or late, and a queue of sales orders to pick.

Every stock change goes through `db.ledger.post` with a back-dated `at`, and the document
fields (qty_received, first/last_received_at, shipped_at, statuses) are set to match, so
`verify()` is consistent. Randomness comes from one `random.Random(seed)` and every time is
derived from `today`, so the same seed on the same day gives an identical warehouse.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from gettext import gettext as _
from typing import Callable

from db.core.connection import database, write_transaction
from db.ledger import locks
from db.core.errors import InvalidInput
from db.ledger.posting import Posting, post
from devices.gs1 import check_digit
from db.core.models import (VIRTUAL_CODES, Barcode, Customer, Item, Location, Lot, Operator, PurchaseOrder,
                            PurchaseOrderLine, SalesOrder, SalesOrderLine, Supplier, Warehouse)

HISTORY_DAYS = 60
# Opening stock is counted in well before the history, so slow movers that never sell show
# up as dead stock (the [reports] dead_stock_days default is 90).
OPENING_DAYS_AGO = 95

OPERATORS = [("W1", "Ana Lopez", "worker"), ("W2", "Ben Okafor", "worker"),
             ("S1", "Sara Lindqvist", "supervisor")]
SUPERVISOR_PIN = "1234"

SUPPLIERS = [
    # code, name, lead time (days), contact, GS1 company prefix of their brand
    ("ALPFOOD", "Alpine Foods GmbH", 5, "orders@alpinefoods.example +49 30 5550 1234", "4012345"),
    ("GREENGRO", "Green Grocer Wholesale", 2, "sales@greengrocer.example +44 20 7946 0011", "5012345"),
    ("NORDPHARM", "Nordic Pharma Supply AB", 7, "order@nordpharm.example +46 8 555 0123", "7312345"),
    ("IRONCLAD", "Ironclad Fasteners Ltd", 10, "trade@ironclad.example +44 121 496 0022", "5098765"),
    ("BRIGHTEL", "Brightline Electrical", 14, "orders@brightline.example +31 20 555 0190", "8712345"),
    ("PAPERWK", "Paperworks Office Supply", 3, "hello@paperworks.example +44 161 496 0333", "5054321"),
    ("CLEANPRO", "CleanPro Chemicals", 6, "service@cleanpro.example +33 1 55 50 12 34", "3012345"),
    ("EASTTRADE", "Eastern Trading Co.", 21, "export@easttrade.example +852 5550 1234", "4891234"),
]

CUSTOMERS = [
    ("Corner Deli & Grocer", "Maya Patel"), ("Riverside Pharmacy", "Dr. Tom Berg"),
    ("Hilltop Hardware", "Luis Ortega"), ("Bluebell Café", "Emma Stone"),
    ("St. Anne's Clinic", "Nurse Joy Adeyemi"), ("Harbour Hotel", "Pierre Blanc"),
    ("Maple Primary School", "Mrs. Kate Holm"), ("Northgate Offices Ltd", "Raj Singh"),
    ("City Print & Copy", "Olga Ivanova"), ("Greenfield Garden Centre", "Sam Green"),
    ("Old Mill Restaurant", "Marco Rossi"), ("Parkside Care Home", "Linda Moss"),
    ("Sunrise Bakery", "Hana Kim"), ("Westend Electricals", "Dev Shah"),
    ("Lakeside Sports Club", "Fiona Reid"), ("Oakwood Dental Practice", "Dr. Ali Noor"),
    ("Metro Cleaning Services", "Grace Obi"), ("Station Road Convenience", "Yusuf Demir"),
    ("Kingsbridge Library", "Ruth Nakamura"), ("Bayview Marina", "Jonas Berg"),
]
STREETS = ["High Street", "Mill Lane", "Station Road", "Church Street", "Park Avenue",
           "Harbour Road", "Market Square", "Queen's Road", "Victoria Street", "Bridge Street"]
TOWNS = ["Ashford", "Bramley", "Carlton", "Dunmore", "Eastleigh"]
WAREHOUSES = (("WH1", "Main warehouse"), ("WH2", "North depot"))
LOCALES = ("en", "zh_CN")


@dataclass
class Category:
    prefix: str
    suppliers: tuple[str, ...]
    lot: bool
    expiry: bool
    shelf_days: int
    cost: tuple[float, float]
    uom: str
    packs: tuple[int, ...]
    zones: tuple[str, ...]          # WH1 zones it lives in; WH2 mirrors with E/F/G
    count: int
    names: list[str]


def _expand(spec: list[tuple[str, list[str]]]) -> list[str]:
    names = []
    for base, variants in spec:
        for v in variants or [""]:
            names.append(base.replace("{}", v) if "{}" in base else (f"{base} {v}".strip()))
    return names


CATEGORIES = [
    Category("FD", ("ALPFOOD", "GREENGRO"), True, True, 240, (0.45, 9.0), "EA", (6, 12, 24), ("C", "D"), 62, _expand([
        ("Organic Oat Flakes", ["500 g", "1 kg"]), ("Basmati Rice", ["1 kg", "5 kg"]),
        ("Penne Rigate Pasta", ["500 g"]), ("Spaghetti No.5", ["500 g", "1 kg"]),
        ("Tomato Passata", ["500 g", "680 g"]), ("Chopped Tomatoes", ["400 g"]),
        ("Chickpeas in Water", ["400 g"]), ("Red Kidney Beans", ["400 g"]),
        ("Extra Virgin Olive Oil", ["500 ml", "1 L"]), ("Sunflower Oil", ["1 L"]),
        ("Espresso Coffee Beans", ["250 g", "1 kg"]), ("Ground Filter Coffee", ["500 g"]),
        ("English Breakfast Tea", ["80 bags", "240 bags"]), ("Green Tea", ["40 bags"]),
        ("Wildflower Honey", ["340 g"]), ("Strawberry Jam", ["370 g"]),
        ("Crunchy Peanut Butter", ["340 g"]), ("Dark Chocolate 70%", ["100 g"]),
        ("Milk Chocolate", ["100 g"]), ("Sea Salt Crisps", ["150 g"]), ("Salted Cashews", ["200 g"]),
        ("Dried Apricots", ["250 g"]), ("Long-Life Whole Milk", ["1 L"]), ("Oat Drink Barista", ["1 L"]),
        ("Coconut Milk", ["400 ml"]), ("Tuna Chunks in Brine", ["145 g"]),
        ("Sardines in Olive Oil", ["120 g"]), ("Vegetable Stock Cubes", ["12 pack"]),
        ("Plain Flour", ["1.5 kg"]), ("Granulated Sugar", ["1 kg"]), ("Cornflakes", ["500 g"]),
        ("Muesli Fruit & Nut", ["750 g"]), ("Sparkling Water", ["500 ml", "1.5 L"]),
        ("Still Spring Water", ["500 ml", "1.5 L"]), ("Orange Juice", ["1 L"]),
        ("Cloudy Apple Juice", ["1 L"]), ("Balsamic Vinegar", ["250 ml"]), ("Soy Sauce", ["150 ml"]),
        ("Mayonnaise", ["400 ml"]), ("Tomato Ketchup", ["500 ml"]), ("Dijon Mustard", ["200 g"]),
        ("Baked Beans", ["415 g"]), ("Sweetcorn", ["325 g"]), ("Porridge Oats", ["1 kg"]),
        ("Brown Lentils", ["500 g"]), ("Oatcakes", ["250 g"]), ("Digestive Biscuits", ["400 g"]),
        ("Shortbread Fingers", ["160 g"]), ("Rice Cakes", ["130 g"]), ("Cola", ["330 ml", "1.5 L"]),
        ("Lemonade", ["330 ml"]), ("Energy Drink", ["250 ml"]), ("Instant Noodles Chicken", ["85 g"]),
        ("Peeled Plum Tomatoes", ["400 g"]), ("Pesto Genovese", ["190 g"]), ("Black Olives", ["350 g"]),
        ("Hot Chocolate", ["500 g"]), ("Maple Syrup", ["250 ml"])])),
    Category("PH", ("NORDPHARM",), True, True, 720, (0.80, 14.0), "EA", (12, 24), ("D",), 38, _expand([
        ("Paracetamol 500 mg Tablets ×{}", ["16", "32"]), ("Ibuprofen 200 mg Tablets ×{}", ["24", "48"]),
        ("Vitamin C 1000 mg Effervescent ×20", []), ("Vitamin D3 1000 IU Capsules ×90", []),
        ("Multivitamin Tablets ×{}", ["30", "90"]), ("Omega-3 Fish Oil Capsules ×60", []),
        ("Antiseptic Cream", ["30 g"]), ("Saline Nasal Spray", ["20 ml"]), ("Cough Syrup", ["150 ml"]),
        ("Honey & Lemon Throat Lozenges ×24", []), ("Cetirizine 10 mg Tablets ×30", []),
        ("Oral Rehydration Salts ×{}", ["6", "20"]), ("Hand Sanitiser Gel 70%", ["100 ml", "500 ml"]),
        ("Sterile Gauze Swabs ×{}", ["10", "100"]), ("Elastic Bandage 7.5 cm", []),
        ("Adhesive Plasters Assorted ×40", []), ("Nitrile Exam Gloves {} ×100", ["S", "M", "L"]),
        ("Lubricating Eye Drops", ["10 ml"]), ("Sunscreen SPF 50", ["200 ml"]),
        ("Zinc Oxide Ointment", ["50 g"]), ("Aloe Vera Gel", ["200 ml"]), ("Insect Repellent Spray", ["100 ml"]),
        ("Antacid Chewable Tablets ×24", []), ("Burn Gel Sachets ×10", []), ("Lip Balm SPF 15", []),
        ("Magnesium 375 mg Tablets ×60", []), ("Probiotic Capsules ×30", []), ("Iron Tablets ×84", []),
        ("Cold & Flu Capsules ×16", []), ("Hydrocortisone Cream 1%", ["15 g"]), ("Face Masks Type IIR ×50", [])])),
    Category("HW", ("IRONCLAD", "EASTTRADE"), False, False, 0, (0.60, 24.0), "EA", (6, 12), ("A", "B"), 62, _expand([
        ("Hex Bolt {} Zinc (box of 50)", ["M6×30", "M8×40", "M10×60"]),
        ("Wood Screw {} (box of 200)", ["3.5×30", "4×40", "5×60"]),
        ("Wall Plug {} (pack of 100)", ["6 mm", "8 mm"]), ("Flat Washer {} (pack of 100)", ["M6", "M8", "M10"]),
        ("Hex Nut {} (pack of 100)", ["M6", "M8", "M10"]), ("Cable Ties {} Black (100)", ["200 mm", "300 mm"]),
        ("Duct Tape 50 mm × 25 m Silver", []), ("Masking Tape 25 mm × 50 m", []),
        ("Claw Hammer 16 oz", []), ("Tape Measure 5 m", []), ("Utility Knife Retractable", []),
        ("Snap-Off Blades 18 mm (10)", []), ("Work Gloves Size {}", ["8", "9", "10"]),
        ("Safety Glasses Clear", []), ("Foam Ear Plugs (50 pairs)", []), ("HSS Drill Bit {}", ["4 mm", "6 mm", "8 mm"]),
        ("Masonry Drill Bit {}", ["6 mm", "8 mm"]), ("Spirit Level 600 mm", []), ("Brass Padlock 40 mm", []),
        ("Steel Butt Hinge 75 mm (pair)", []), ("Cable Clips 7 mm (100)", []), ("Silicone Sealant White 310 ml", []),
        ("Wood Glue 250 ml", []), ("Sandpaper Assorted (10 sheets)", []), ("Paint Brush {}", ["25 mm", "50 mm"]),
        ("Paint Roller Set 230 mm", []), ("Adjustable Spanner 250 mm", []), ("Screwdriver Set (6)", []),
        ("Combination Pliers 180 mm", []), ("Hacksaw 300 mm", []), ("Cable Tie Mounts (100)", []),
        ("Bungee Cords Assorted (10)", []), ("Ratchet Strap 5 m", []), ("Hook & Loop Tape 20 mm", []),
        ("S-Hooks Zinc (10)", []), ("Door Stop Rubber", []), ("Picture Hooks (20)", []),
        ("Threaded Rod M8 × 1 m", []), ("Eye Bolt M8", []), ("Chain 4 mm (per metre)", []),
        ("Stepladder 3-Tread", []), ("Tool Box 19 inch", []), ("Pallet Wrap 500 mm × 300 m", []),
        ("Hi-Vis Vest {}", ["L", "XL"]), ("Safety Boots Size {}", ["42", "43", "44"])])),
    Category("EL", ("BRIGHTEL", "EASTTRADE"), False, False, 0, (0.90, 35.0), "EA", (6, 12, 24), ("B",), 44, _expand([
        ("LED Bulb E27 {}", ["9 W Warm White", "9 W Cool White", "12 W Warm White", "12 W Daylight"]),
        ("LED Bulb GU10 5 W {}", ["Warm White", "Cool White"]), ("LED Bulb E14 Candle 4 W", []),
        ("USB-C Cable {}", ["1 m", "2 m"]), ("USB-A to Micro-USB Cable 1 m", []), ("USB Wall Charger 20 W", []),
        ("Extension Lead 4-Way {}", ["2 m", "5 m"]), ("AA Alkaline Batteries ({} pack)", ["4", "12"]),
        ("AAA Alkaline Batteries ({} pack)", ["4", "12"]), ("9 V Battery", []), ("CR2032 Coin Cell (2 pack)", []),
        ("Ethernet Cable Cat6 {}", ["2 m", "5 m", "10 m"]), ("HDMI Cable 2 m", []),
        ("Rechargeable LED Torch", []), ("Plug Fuse 13 A (10)", []), ("Plug Fuse 3 A (10)", []),
        ("Twin & Earth Cable 2.5 mm² (50 m)", []), ("Double Switched Socket White", []),
        ("Light Switch 1-Gang White", []), ("10-Year Smoke Alarm", []), ("Carbon Monoxide Alarm", []),
        ("Insulation Tape {}", ["Black", "Red", "Blue"]), ("Wago Connectors 3-Way (50)", []),
        ("Heat Shrink Tubing Kit", []), ("Travel Adapter EU-UK", []), ("Power Bank 10000 mAh", []),
        ("Wireless Mouse", []), ("USB Keyboard UK", []), ("Barcode Scanner Cradle", []),
        ("Label Printer Ribbon 110 mm", []), ("Desk Lamp LED", []), ("Cable Reel 25 m", []),
        ("Timer Plug 24 h", []), ("Motion Sensor Light", [])])),
    Category("OF", ("PAPERWK",), False, False, 0, (0.35, 45.0), "EA", (6, 12, 24), ("A",), 46, _expand([
        ("A4 Copy Paper 80 gsm (500 sheets)", []), ("A3 Copy Paper 80 gsm (500 sheets)", []),
        ("Ballpoint Pen {} (10)", ["Blue", "Black", "Red"]), ("Highlighter {}", ["Yellow", "Green", "Pink"]),
        ("Sticky Notes 76×76 mm {}", ["Yellow", "Neon"]), ("Lever Arch File A4 {}", ["Black", "Blue"]),
        ("Desktop Stapler", []), ("Staples 26/6 (5000)", []), ("Shipping Labels 100×150 mm (500)", []),
        ("Thermal Receipt Rolls 80 mm (20)", []), ("Clear Packing Tape 48 mm", []),
        ("Bubble Wrap 500 mm × 50 m", []), ("Cardboard Box {} (25)", ["Small", "Medium", "Large"]),
        ("C4 Envelopes (250)", []), ("DL Envelopes (500)", []), ("Whiteboard Marker Set (4)", []),
        ("A5 Ruled Notebook", []), ("Printer Toner {}", ["Black", "Cyan", "Magenta", "Yellow"]),
        ("Paper Clips 33 mm (100)", []), ("Bulldog Clips 32 mm (10)", []), ("Scissors 210 mm", []),
        ("Glue Stick 40 g", []), ("Correction Tape", []), ("Pencil HB (12)", []),
        ("Permanent Marker Black (10)", []), ("Document Wallet A4 (50)", []), ("Ring Binder A4", []),
        ("Hole Punch 2-Hole", []), ("Calculator Desktop", []), ("Desk Tidy Mesh", []),
        ("Laminating Pouches A4 (100)", []), ("Index Dividers A-Z", []), ("Printer Ink Multipack", []),
        ("Archive Storage Box (10)", [])])),
    Category("CL", ("CLEANPRO",), True, False, 0, (0.70, 18.0), "EA", (6, 12), ("C",), 28, _expand([
        ("All-Purpose Cleaner", ["750 ml", "5 L"]), ("Floor Cleaner Concentrate 5 L", []),
        ("Dishwasher Tablets (60)", []), ("Washing-Up Liquid", ["500 ml", "5 L"]),
        ("Thick Bleach", ["750 ml", "2 L"]), ("Glass Cleaner 750 ml", []), ("Disinfectant Wipes (100)", []),
        ("Bin Bags 80 L (20)", []), ("Paper Towel Rolls (6)", []), ("Toilet Tissue 2-Ply (9)", []),
        ("Hand Soap Refill 5 L", []), ("Microfibre Cloths (10)", []), ("Limescale Remover 1 L", []),
        ("Oven Cleaner 500 ml", []), ("Laundry Liquid 2 L", []), ("Fabric Conditioner 2 L", []),
        ("Drain Unblocker 1 L", []), ("Sponge Scourers (10)", []), ("Mop Head Cotton", []),
        ("Degreaser Spray 750 ml", []), ("Toilet Cleaner Gel 750 ml", []), ("Carpet Shampoo 1 L", []),
        ("Air Freshener Linen", []), ("Rubber Gloves {}", ["M", "L"]), ("Centrefeed Roll (6)", [])])),
    Category("GN", ("EASTTRADE",), False, False, 0, (1.50, 30.0), "EA", (6, 12), ("A", "B"), 20, _expand([
        ("Storage Box 30 L with Lid", []), ("Stacking Crate Blue", []), ("Plastic Pallet Label Holder", []),
        ("Reusable Shopping Bag", []), ("Umbrella Compact Black", []), ("Water Bottle 750 ml Steel", []),
        ("Lunch Box 1 L", []), ("Travel Mug 400 ml", []), ("Fleece Blanket Grey", []),
        ("Cushion Cover 45 cm", []), ("Doormat Coir", []), ("Clothes Pegs (36)", []),
        ("Coat Hangers Wooden (10)", []), ("Picture Frame A4", []), ("Wall Clock 30 cm", []),
        ("Tealight Candles (50)", []), ("Folding Chair", []), ("Camping Lantern", []),
        ("First Aid Box Empty", []), ("Key Cabinet 20 Hooks", []), ("Cash Box Steel", []),
        ("Laundry Basket", [])])),
]


@dataclass(frozen=True)
class Locale:
    """Who and what the demo warehouse holds, in one language; the simulation is the same."""
    operators: list
    suppliers: list
    customers: list
    categories: list
    warehouses: tuple
    phone: Callable[[random.Random], str]
    address: Callable[[random.Random], str]


def locale(name: str = "en") -> Locale:
    if name == "zh_CN":
        from db.io.demo_zh import LOCALE
        return LOCALE
    if name != "en":
        raise InvalidInput(_("unknown demo locale {name!r}: expected one of {items}").format(
            name=name, items=", ".join(LOCALES)))
    return Locale(OPERATORS, SUPPLIERS, CUSTOMERS, CATEGORIES, WAREHOUSES,
                  lambda rng: f"+44 20 7946 {rng.randint(0, 999):04d}",
                  lambda rng: f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}")


def ean13(body12: str) -> str:
    return body12 + str(check_digit(body12))


def gtin14_case(ean: str, indicator: str = "1") -> str:
    body = indicator + ean[:12]
    return body + str(check_digit(body))


def store_is_empty() -> bool:
    return not Item.select().exists()


@dataclass
class DemoItem:
    item: Item
    category: Category
    weight: float                # how often it sells
    line_qty: tuple[int, int]    # units on one order line
    pack: int
    home1: Location
    home2: Location | None
    supplier: Supplier


@dataclass
class Stats:
    movements: int = 0
    pos: int = 0
    sos: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def seed_demo(seed: int = 42, today: dt.date | None = None, locale_name: str = "en") -> str:
    """Seed the demo warehouse into an empty store, in one transaction. Returns a summary."""
    builder = _Demo(random.Random(seed), today or dt.date.today(), locale(locale_name))
    with write_transaction():
        builder.build()
        from db.io.demo_units import make_unit_goods
        make_unit_goods(builder, locale_name)
    return builder.summary()


class _Demo:
    def __init__(self, rng: random.Random, today: dt.date, data: Locale):
        self.rng = rng
        self.data = data
        self.today = today
        self.stats = Stats()
        self.po_seq = 5001
        self.so_seq = 10001
        self.tr_seq = 1
        self.stock: dict[tuple[int, int, int | None], int] = {}   # physical balances, mirrored
        self.lots: dict[int, list[Lot]] = {}
        self.pin_set = False
        self.pin_error = ""
        self.items_locked = False

    # --- helpers -------------------------------------------------------------------------

    def at(self, day: int, hour: int, minute: int = 0) -> dt.datetime:
        """DAY days before today (0 is today) at HOUR:MINUTE."""
        return dt.datetime.combine(self.today - dt.timedelta(days=day), dt.time(hour, minute))

    def post(self, item: Item, qty: int, src: Location, dst: Location, kind: str, when: dt.datetime,
             operator: str, lot: Lot | None = None, **kw):
        if not self.items_locked:
            # Its items at once, as every operation locks them (db/ledger/locks.py); items
            # made later have higher ids and come after.
            locks.lock_items(i for (i,) in Item.select(Item.id).tuples())
            self.items_locked = True
        m = post(Posting(item=item, qty=qty, from_location=src, to_location=dst, kind=kind,
                         operator=operator, station=kw.pop("station", "ST-01"), lot=lot, at=when,
                         unit_cost=item.unit_cost, **kw))
        lot_id = lot.id if lot else None
        if src.is_physical:
            self.stock[(item.id, src.id, lot_id)] -= qty
        if dst.is_physical:
            self.stock[(item.id, dst.id, lot_id)] = self.stock.get((item.id, dst.id, lot_id), 0) + qty
        self.stats.movements += 1
        return m

    def available(self, item: Item, loc: Location) -> list[tuple[Lot | None, int]]:
        """Stock of ITEM at LOC by lot, earliest expiry first (FEFO)."""
        if not item.lot_tracked:
            q = self.stock.get((item.id, loc.id, None), 0)
            return [(None, q)] if q > 0 else []
        out = [(lot, self.stock.get((item.id, loc.id, lot.id), 0)) for lot in self.lots.get(item.id, [])]
        out = [(lot, q) for lot, q in out if q > 0]
        out.sort(key=lambda lq: (lq[0].expiry or dt.date.max, lq[0].code))
        return out

    def on_hand(self, di: DemoItem) -> int:
        return sum(q for _unused, q in self.available(di.item, di.home1)) + (
            sum(q for _unused, q in self.available(di.item, di.home2)) if di.home2 else 0)

    def new_lot(self, di: DemoItem, made: dt.date, when: dt.datetime, expiry: dt.date | None = None) -> Lot:
        item = di.item
        n = len(self.lots.get(item.id, [])) + 1
        code = f"L{made:%y%m%d}{chr(64 + n) if n <= 26 else n}"
        if item.expiry_tracked and expiry is None:
            expiry = made + dt.timedelta(days=int(di.category.shelf_days * self.rng.uniform(0.6, 1.0)))
        lot = Lot.create(item=item, code=code, expiry=expiry if item.expiry_tracked else None, received_at=when)
        self.lots.setdefault(item.id, []).append(lot)
        return lot

    # --- master data ---------------------------------------------------------------------

    def build(self) -> None:
        self.make_places()
        self.make_parties()
        self.make_items()
        self.simulate()
        self.open_orders()
        self.set_pin()

    def make_places(self) -> None:
        (code1, name1), (code2, name2) = self.data.warehouses
        self.wh1 = Warehouse.create(code=code1, name=name1)
        self.wh2 = Warehouse.create(code=code2, name=name2)
        self.storage: dict[str, list[Location]] = {}     # zone -> locations
        rows = []
        for wh, aisles, bays in ((self.wh1, "ABCD", 8), (self.wh2, "EFG", 6)):
            seq = 10
            for a, aisle in enumerate(aisles):
                # A serpentine walk: up one aisle, down the next.
                order = range(1, bays + 1) if a % 2 == 0 else range(bays, 0, -1)
                for bay in order:
                    for level in range(1, 5):
                        rows.append(dict(code=f"{aisle}-{bay:02d}-{level:02d}", warehouse=wh, zone=aisle,
                                         kind="storage", pick_sequence=seq))
                        seq += 10
            for suffix, kind, zone, seq_ in (("DOCK", "receiving", "DOCK", 1), ("SHIP", "shipping", "SHIP", 9000),
                                             ("QA", "quarantine", "QA", 9500)):
                rows.append(dict(code=f"{wh.code}-{suffix}", warehouse=wh, zone=zone, kind=kind, pick_sequence=seq_))
        Location.insert_many(rows).execute()
        self.loc = {loc.code: loc for loc in Location.select()}
        for loc in self.loc.values():
            if loc.kind == "storage":
                self.storage.setdefault(loc.zone, []).append(loc)
        for zone in self.storage:
            self.storage[zone].sort(key=lambda loc: loc.pick_sequence)
        self.ship_of = {wh.id: self.loc[f"{wh.code}-SHIP"] for wh in (self.wh1, self.wh2)}
        self.virtual = {kind: self.loc[code] for kind, code in VIRTUAL_CODES.items()}

    def make_parties(self) -> None:
        self.suppliers = {}
        for code, name, lead, contact, _prefix in self.data.suppliers:
            self.suppliers[code] = Supplier.create(code=code, name=name, lead_time_days=lead, contact=contact)
        self.customers = []
        for i, (name, person) in enumerate(self.data.customers, 1):
            phone = self.data.phone(self.rng)
            address = self.data.address(self.rng)
            self.customers.append(Customer.create(code=f"C{i:03d}", name=name, contact=f"{person}, {phone}",
                                                  address=address))
        for code, name, role in self.data.operators:
            Operator.create(code=code, name=name, role=role)

    def make_items(self) -> None:
        rng = self.rng
        prefixes = {code: prefix for code, _n, _l, _c, prefix in self.data.suppliers}
        refs = {code: 1000 for code in prefixes}
        barcodes = []
        # Lines per day is what the simulation sells; it sizes reorder points to real demand.
        self.lines_per_day = 9.0
        specs = []
        for cat in self.data.categories:
            names = rng.sample(cat.names, min(cat.count, len(cat.names)))
            for n, name in enumerate(sorted(names), 1):
                speed = rng.choices(["fast", "medium", "slow"], weights=[2, 5, 3])[0]
                specs.append((cat, name, n, speed))
        weights = [{"fast": 6.0, "medium": 3.0, "slow": 1.5}[speed] for *_unused, speed in specs]
        total_weight = sum(weights)
        built = []
        for (cat, name, n, speed), weight in zip(specs, weights):
            sup_code = rng.choice(cat.suppliers)
            lead = self.suppliers[sup_code].lead_time_days
            pack = rng.choice(cat.packs)
            line_qty = {"fast": (4, 24), "medium": (2, 10), "slow": (1, 4)}[speed]
            daily = self.lines_per_day * weight / total_weight * (sum(line_qty) / 2)
            cost = Decimal(str(round(rng.uniform(*cat.cost), 2)))
            price = Decimal(str(round(float(cost) * rng.uniform(1.35, 1.9), 1))) - Decimal("0.01")
            reorder_point = max(2, math.ceil(daily * (lead + 3)))
            reorder_qty = max(pack, math.ceil(daily * 21 / pack) * pack)
            max_qty = reorder_point + reorder_qty + math.ceil(daily * 7)
            item = Item.create(sku=f"{cat.prefix}-{1000 + n}", name=name, uom=cat.uom,
                               lot_tracked=cat.lot, expiry_tracked=cat.expiry, unit_cost=cost,
                               unit_price=price, reorder_point=reorder_point, reorder_qty=reorder_qty,
                               max_qty=max_qty, preferred_supplier=self.suppliers[sup_code])
            refs[sup_code] += rng.randint(1, 7)
            each = ean13(prefixes[sup_code] + f"{refs[sup_code]:05d}")
            barcodes.append(dict(code=each, item=item, pack_qty=1))
            if rng.random() < 0.85:
                barcodes.append(dict(code=gtin14_case(each), item=item, pack_qty=pack))
            zone = rng.choice(cat.zones)
            home1 = rng.choice(self.storage[zone])
            home2 = None
            if rng.random() < 0.3:
                zone2 = {"A": "E", "B": "E", "C": "F", "D": "G"}[zone]
                home2 = rng.choice(self.storage[zone2])
            built.append(DemoItem(item, cat, weight, line_qty, pack, home1, home2, self.suppliers[sup_code]))
        self.items = built
        Barcode.insert_many(barcodes).execute()

    # --- history -------------------------------------------------------------------------

    def simulate(self) -> None:
        rng = self.rng
        start = OPENING_DAYS_AGO
        # Opening stock, counted in before the history starts.
        for di in self.items:
            item = di.item
            for home, share in ((di.home1, 1.0), (di.home2, 0.4)):
                if home is None:
                    continue
                qty = max(1, int(rng.uniform(item.reorder_point + item.reorder_qty * 0.3, item.max_qty) * share))
                when = self.at(start, 7, rng.randint(0, 59))
                if item.lot_tracked:
                    lots = 1 if qty < 12 else rng.choice([1, 2, 2, 3])
                    parts = _split(qty, lots, rng)
                    # Some items hold a short-dated lot, so expiry alerts and FEFO have work.
                    short_dated = item.expiry_tracked and rng.random() < 0.15
                    for k, part in enumerate(parts):
                        made = self.today - dt.timedelta(days=HISTORY_DAYS + 8 + 15 * (lots - k) + rng.randint(0, 10))
                        expiry = self.today + dt.timedelta(days=rng.randint(5, 40)) if short_dated and k == 0 else None
                        lot = self.new_lot(di, made, when, expiry)
                        self.post(item, part, self.virtual["inventory-gain"], home, "opening", when, "S1",
                                  lot=lot, document="OPENING", reason="opening balance")
                else:
                    self.post(item, qty, self.virtual["inventory-gain"], home, "opening", when, "S1",
                              document="OPENING", reason="opening balance")

        self.pending: list[dict] = []     # purchase orders on their way
        self.on_order: dict[int, int] = {}
        by_weight = [di.weight for di in self.items]
        for day in range(HISTORY_DAYS, 0, -1):
            date = self.today - dt.timedelta(days=day)
            self.receive_due(day)
            if date.weekday() < 6:           # no sales on Sundays
                for _unused in range(rng.choice([2, 3, 3, 4])):
                    self.sell(day, rng.choices(self.items, weights=by_weight, k=rng.choice([1, 2, 3, 3, 4, 5]))
                              )
            if day % 9 == 4:
                self.transfer(day)
            if day % 11 == 5:
                self.adjust(day)
            if date.weekday() in (0, 3):    # the buyer orders on Mondays and Thursdays
                self.reorder(day)

    def sell(self, day: int, picked: list[DemoItem]) -> None:
        """One sales order, picked and shipped on DAY, with what the shelves hold."""
        rng = self.rng
        customer = rng.choice(self.customers)
        lines = []
        seen = set()
        for di in picked:
            if di.item.id in seen:
                continue
            seen.add(di.item.id)
            want = rng.randint(*di.line_qty)
            home = di.home1 if rng.random() < 0.85 or di.home2 is None else di.home2
            have = sum(q for _unused, q in self.available(di.item, home))
            qty = min(want, have)
            if qty > 0:
                lines.append((di, home, qty))
        if not lines:
            return
        created = self.at(day + rng.choice([0, 1, 1, 2]), rng.randint(8, 15), rng.randint(0, 59))
        due = (created + dt.timedelta(days=rng.choice([1, 2, 2, 3]))).date()
        pick_at = self.at(day, rng.randint(9, 14), rng.randint(0, 59))
        ship_at = pick_at + dt.timedelta(minutes=rng.randint(30, 150))
        order = SalesOrder.create(number=f"SO-{self.so_seq}", customer=customer, status="shipped",
                                  priority=rng.choice([3, 5, 5, 5, 7]), due_date=due, created_at=created,
                                  shipped_at=ship_at)
        self.so_seq += 1
        self.stats.sos += 1
        op = rng.choice(["W1", "W2"])
        for line_no, (di, home, qty) in enumerate(lines, 1):
            item = di.item
            price = item.unit_price if rng.random() < 0.85 else (item.unit_price * Decimal("0.9")).quantize(Decimal("0.01"))
            line = SalesOrderLine.create(so=order, line_no=line_no, item=item, qty_ordered=qty, qty_picked=qty,
                                         qty_shipped=qty, unit_price=price)
            ship = self.ship_of[home.warehouse_id]
            remaining = qty
            for lot, q in self.available(item, home):
                take = min(q, remaining)
                doc = f"{order.number}/{line_no}"
                self.post(item, take, home, ship, "pick", pick_at, op, lot=lot, so_line=line, document=doc)
                self.post(item, take, ship, self.virtual["customer"], "ship", ship_at, op, lot=lot,
                          so_line=line, document=doc)
                remaining -= take
                if not remaining:
                    break

    def reorder(self, day: int) -> None:
        """At the end of the day, order what fell below its reorder point."""
        rng = self.rng
        wanted: dict[str, list[DemoItem]] = {}
        for di in self.items:
            if self.on_order.get(di.item.id):
                continue
            if self.on_hand(di) <= di.item.reorder_point:
                wanted.setdefault(di.supplier.code, []).append(di)
        for sup_code, items in wanted.items():
            supplier = self.suppliers[sup_code]
            created = self.at(day, 16, rng.randint(0, 59))
            expected = created.date() + dt.timedelta(days=supplier.lead_time_days)
            # Most suppliers are on time; some are a day or two off; a few are badly late
            # (more so lately, so that today has late orders to chase).
            delay = rng.choices([-1, 0, 1, 2, 4, 12], weights=[2, 10, 3, 2, 2, 1 if day > 14 else 5])[0]
            partial = rng.random() < (0.12 if day > 12 else 0.4)
            po = PurchaseOrder.create(number=f"PO-{self.po_seq}", supplier=supplier, status="open",
                                      expected_date=expected, created_at=created, created_by="S1")
            self.po_seq += 1
            self.stats.pos += 1
            lines = []
            for line_no, di in enumerate(items, 1):
                qty = di.item.reorder_qty
                lines.append(PurchaseOrderLine.create(po=po, line_no=line_no, item=di.item, qty_ordered=qty,
                                                      unit_cost=di.item.unit_cost, expected_date=expected))
                self.on_order[di.item.id] = qty
            arrival = (expected + dt.timedelta(days=delay) - self.today).days
            self.pending.append({"po": po, "lines": list(zip(lines, items)), "arrive": -arrival,
                                 "partial": partial})

    def receive_due(self, day: int) -> None:
        for p in [p for p in self.pending if p["arrive"] == day]:
            self.receive(p, day)

    def receive(self, p: dict, day: int) -> None:
        rng = self.rng
        po = p["po"]
        dock = self.loc["WH1-DOCK"]
        qa = self.loc["WH1-QA"]
        op = rng.choice(["W1", "W2"])
        when = self.at(day, rng.randint(7, 11), rng.randint(0, 59))
        first_delivery = po.status == "open"
        for line, di in p["lines"]:
            left = line.qty_ordered - line.qty_received - line.qty_rejected
            if left <= 0:
                continue
            arriving = left
            if p["partial"] and first_delivery:
                arriving = max(0, int(left * rng.uniform(0.4, 0.7)))
                if arriving == 0:
                    continue
            rejected = 0
            if rng.random() < 0.15:
                rejected = max(1, int(arriving * rng.uniform(0.02, 0.1)))
            accepted = arriving - rejected
            lot = None
            if di.item.lot_tracked:
                lot = self.new_lot(di, when.date() - dt.timedelta(days=rng.randint(3, 30)), when)
            doc = f"{po.number}/{line.line_no}"
            if accepted:
                self.post(di.item, accepted, self.virtual["supplier"], dock, "receipt", when, op, lot=lot,
                          po_line=line, document=doc)
                put_at = when + dt.timedelta(minutes=rng.randint(20, 180))
                self.post(di.item, accepted, dock, di.home1, "putaway", put_at, op, lot=lot, document=doc)
            if rejected:
                reason = rng.choice(["DAMAGED", "DAMAGED", "QUALITY", "EXPIRED"])
                self.post(di.item, rejected, self.virtual["supplier"], qa, "reject", when, op, lot=lot,
                          po_line=line, document=doc, reason=reason)
            line.qty_received += accepted
            line.qty_rejected += rejected
            line.first_received_at = line.first_received_at or when
            line.last_received_at = when
            done = line.qty_received + line.qty_rejected >= line.qty_ordered
            line.status = "received" if done else "partial"
            line.save()
            if done:
                self.on_order.pop(di.item.id, None)
        lines = [line for line, _unused in p["lines"]]
        po.status = "received" if all(line.status == "received" for line in lines) else "partial"
        po.save()
        if po.status == "partial":
            # The rest follows some days later.
            p["arrive"] = day - rng.randint(4, 8)
        else:
            self.pending.remove(p)

    def transfer(self, day: int) -> None:
        """Top up the north depot from the main warehouse through @TRANSIT."""
        rng = self.rng
        candidates = [di for di in self.items if di.home2 is not None]
        di = rng.choice(candidates)
        stock = self.available(di.item, di.home1)
        if not stock:
            return
        lot, have = stock[0]
        qty = min(have, max(1, di.item.reorder_qty // 2))
        doc = f"TR-{self.tr_seq:04d}"
        self.tr_seq += 1
        out_at = self.at(day, 10, rng.randint(0, 59))
        self.post(di.item, qty, di.home1, self.virtual["transit"], "transfer", out_at, "W1", lot=lot, document=doc)
        self.post(di.item, qty, self.virtual["transit"], di.home2, "transfer", out_at + dt.timedelta(hours=3),
                  "W2", lot=lot, document=doc, station="ST-02")

    def adjust(self, day: int) -> None:
        rng = self.rng
        di = rng.choice(self.items)
        when = self.at(day, 15, rng.randint(0, 59))
        stock = self.available(di.item, di.home1)
        if stock and rng.random() < 0.7:
            lot, have = stock[0]
            qty = min(have, rng.randint(1, 3))
            self.post(di.item, qty, di.home1, self.virtual["inventory-loss"], "adjust", when, "S1", lot=lot,
                      reason=rng.choice(["BREAKAGE", "DAMAGED", "LOSS"]), document="ADJ")
        else:
            lots = self.lots.get(di.item.id) if di.item.lot_tracked else None
            lot = lots[-1] if lots else None
            if di.item.lot_tracked and lot is None:
                return
            self.post(di.item, rng.randint(1, 4), self.virtual["inventory-gain"], di.home1, "adjust", when, "S1",
                      lot=lot, reason="FOUND", document="ADJ")

    # --- what is open today ----------------------------------------------------------------

    def open_orders(self) -> None:
        """Sales orders waiting to be picked: some urgent, some overdue, most due soon."""
        rng = self.rng
        with_stock = [di for di in self.items if self.on_hand(di) > 0]
        for _unused in range(24):
            created = self.at(rng.choice([0, 1, 1, 2, 3]), rng.randint(7, 17), rng.randint(0, 59))
            if created > self.at(0, 7):
                created = self.at(0, 7, rng.randint(0, 59))
            due = self.today + dt.timedelta(days=rng.choice([-2, -1, 0, 0, 1, 1, 2, 3, 5]))
            priority = rng.choices([1, 2, 3, 5, 7, 9], weights=[1, 2, 3, 10, 3, 1])[0]
            order = SalesOrder.create(number=f"SO-{self.so_seq}", customer=rng.choice(self.customers),
                                      status="open", priority=priority, due_date=due, created_at=created)
            self.so_seq += 1
            self.stats.sos += 1
            chosen = []
            for di in rng.choices(with_stock, weights=[di.weight for di in with_stock], k=rng.randint(1, 5)):
                if di not in chosen:
                    chosen.append(di)
            for line_no, di in enumerate(chosen, 1):
                qty = max(1, min(rng.randint(*di.line_qty), max(1, self.on_hand(di) // 3)))
                SalesOrderLine.create(so=order, line_no=line_no, item=di.item, qty_ordered=qty,
                                      unit_price=di.item.unit_price)

    def set_pin(self) -> None:
        """PIN 1234 for the supervisor."""
        from db.masterdata.security import set_pin
        try:
            with database.atomic():     # a savepoint: a failure here must not spoil the demo
                set_pin("S1", SUPERVISOR_PIN)
            self.pin_set = True
        except Exception as exc:  # the PIN is a convenience; the summary says it was not set
            self.pin_error = str(exc) or type(exc).__name__

    def summary(self) -> str:
        from db.core.models import Movement
        counts = _("{warehouses} warehouses, {locations} locations, {items} items, {barcodes} barcodes, "
                   "{suppliers} suppliers, {customers} customers, {pos} purchase orders ({open_pos} open), "
                   "{sos} sales orders ({open_sos} open), {movements} movements; ").format(
            warehouses=Warehouse.select().count(), locations=Location.select().count(),
            items=Item.select().count(), barcodes=Barcode.select().count(),
            suppliers=Supplier.select().count(), customers=Customer.select().count(),
            pos=PurchaseOrder.select().count(),
            open_pos=PurchaseOrder.select().where(PurchaseOrder.status.in_(['open', 'partial'])).count(),
            sos=SalesOrder.select().count(),
            open_sos=SalesOrder.select().where(SalesOrder.status == 'open').count(),
            movements=Movement.select().count())
        return counts + (_("supervisor S1 has PIN 1234") if self.pin_set
                         else _("no PIN set for S1 ({error})").format(error=self.pin_error))


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """TOTAL split into PARTS positive whole numbers."""
    parts = max(1, min(parts, total))
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    bounds = [0] + cuts + [total]
    return [b - a for a, b in zip(bounds, bounds[1:])]
