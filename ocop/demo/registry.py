"""Demo data for the registry (`manage.py ocop_demo`).

Province scale: Tây Ninh after its July 2025 merger with Long An — 250 producers, 410 products
(300 at 3★, 95 at 4★, 2 at 5★, 8 in evaluation, 5 ideas) spread over the province's real communes,
with the local specialities where they come from (rice paper in Trảng Bàng, custard apple at the foot
of Bà Đen, cashews in the north, Chinese sausage in Cần Đước …). National scale adds the other 33
provinces for benchmarks: 9,000 producers and 20,000 products in the national mix of producer types.

Everything is drawn from `random.Random` seeded per province, so the same seed and the same `today`
give the same rows; Tây Ninh is identical at both scales. Rows go in with bulk_create, which skips
Model.save(), so the search keys are built here with the expressions the models use (a test checks that
they agree). No audit rows: demo data is not a change anyone made.
"""

from __future__ import annotations

import datetime
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from stdnum import ean
from stdnum.vn import mst

from ocop.accounts.models import Role, User
from ocop.core.text import fold
from ocop.places.models import Commune, Province
from ocop.registry.identifiers import GS1_VIETNAM_PREFIX
from ocop.registry.models import (
    Gender,
    Producer,
    ProducerType,
    Product,
    ProductStatus,
    SalesChannel,
    StarRating,
)
from ocop.registry.rules import certificate_expiry

from . import evaluation as evaluation_demo
from . import trace as trace_demo

DATA_DIR = Path(__file__).parent / "data"
TAY_NINH = "80"
DEFAULT_SEED = 2025
DEMO_PASSWORD = "ocop-demo-2026"
BATCH_SIZE = 1000
SCALES = ("province", "national")

# --- What each scale promises (the tests assert these exact numbers) ----------------------------------


@dataclass(frozen=True)
class Plan:
    producers: int
    products: int
    stars: dict[int, int]
    in_evaluation: int
    idea: int
    types: dict[str, int]
    modern_channel: int  # producers selling through a supermarket, convenience store or e-commerce

    @property
    def status_counts(self) -> Counter:
        return Counter({**self.stars, "in_evaluation": self.in_evaluation, "idea": self.idea})


TAY_NINH_PLAN = Plan(
    producers=250,
    products=410,
    stars={3: 300, 4: 95, 5: 2},
    in_evaluation=8,
    idea=5,
    types={
        ProducerType.COOPERATIVE: 82,
        ProducerType.ENTERPRISE: 60,
        ProducerType.HOUSEHOLD: 104,
        ProducerType.COOPERATIVE_GROUP: 3,
        ProducerType.FARM: 1,
    },
    modern_channel=130,
)
# The other 33 provinces together; with Tây Ninh: 9,000 producers (32.7 % cooperatives, 24.1 %
# enterprises, 42.7 % households — the national mix at the end of 2024) and 20,000 products.
REST_OF_COUNTRY_PLAN = Plan(
    producers=8750,
    products=19590,
    stars={3: 13800, 4: 4300, 5: 118},
    in_evaluation=900,
    idea=472,
    types={
        ProducerType.COOPERATIVE: 2861,
        ProducerType.ENTERPRISE: 2109,
        ProducerType.HOUSEHOLD: 3739,
        ProducerType.COOPERATIVE_GROUP: 27,
        ProducerType.FARM: 14,
    },
    modern_channel=4370,
)

# Provincial rating rounds (decided before 30 June and before 30 December) and how many of today's
# products hold their latest rating from each; the oldest are expired, Dec 2023 ones expire soon.
PROVINCE_ROUNDS = [
    (datetime.date(2022, 6, 28), 3),
    (datetime.date(2022, 12, 27), 3),
    (datetime.date(2023, 6, 29), 4),
    (datetime.date(2023, 12, 26), 10),
    (datetime.date(2024, 6, 27), 12),
    (datetime.date(2024, 12, 30), 14),
    (datetime.date(2025, 6, 26), 16),
    (datetime.date(2025, 12, 29), 20),
    (datetime.date(2026, 6, 29), 18),
]
MERGER_DATE = datetime.date(2025, 7, 1)
# 5★ is certified by the Minister (the ministry was renamed in March 2025).
MINISTRY_ROUNDS = [
    (datetime.date(2023, 12, 15), "QĐ-BNN-VPĐP"),
    (datetime.date(2024, 11, 28), "QĐ-BNN-VPĐP"),
    (datetime.date(2025, 9, 30), "QĐ-BNNMT"),
    (datetime.date(2026, 9, 29), "QĐ-BNNMT"),
]

# Regions decide which products, ethnic groups and hamlet words a province gets.
PROVINCE_REGIONS = {
    "01": ["ndelta"],
    "04": ["nmount"],
    "08": ["nmount"],
    "11": ["nmount"],
    "12": ["nmount"],
    "14": ["nmount"],
    "15": ["nmount"],
    "19": ["nmount", "ndelta"],
    "20": ["nmount"],
    "22": ["ndelta", "nmount"],
    "24": ["ndelta"],
    "25": ["nmount", "ndelta"],
    "31": ["ndelta"],
    "33": ["ndelta"],
    "37": ["ndelta"],
    "38": ["ncentral"],
    "40": ["ncentral"],
    "42": ["ncentral"],
    "44": ["ncentral"],
    "46": ["ncentral"],
    "48": ["scentral"],
    "51": ["scentral", "highlands"],
    "52": ["highlands", "scentral"],
    "56": ["scentral"],
    "66": ["highlands", "scentral"],
    "68": ["highlands", "southeast"],
    "75": ["southeast"],
    "79": ["southeast"],
    "80": ["southeast"],
    "82": ["mekong"],
    "86": ["mekong"],
    "91": ["mekong"],
    "92": ["mekong"],
    "96": ["mekong"],
}
# The first two digits of a tax code are the (former) province's; merged provinces keep several.
TAX_PREFIXES = {
    "01": ["01"],
    "04": ["48"],
    "08": ["50", "51"],
    "11": ["56"],
    "12": ["62"],
    "14": ["55"],
    "15": ["53", "52"],
    "19": ["46", "47"],
    "20": ["49"],
    "22": ["57"],
    "24": ["23", "24"],
    "25": ["26", "25", "54"],
    "31": ["02", "08"],
    "33": ["09", "10"],
    "37": ["27", "06", "07"],
    "38": ["28"],
    "40": ["29"],
    "42": ["30"],
    "44": ["32", "31"],
    "46": ["33"],
    "48": ["04", "40"],
    "51": ["43", "61"],
    "52": ["59", "41"],
    "56": ["42", "45"],
    "66": ["60", "44"],
    "68": ["58", "64", "34"],
    "75": ["36", "38"],
    "79": ["03", "37", "35"],
    "82": ["14", "12"],
    "86": ["15", "13", "21"],
    "91": ["16", "17"],
    "92": ["18", "22", "63"],
    "96": ["20", "19"],
}
SOUTH = {"southeast", "mekong"}
GTIN_BLOCK = 2500  # company numbers per province: 893 + 5 digits, a block per province keeps them unique


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    full_name: str
    scope: str  # "province", "commune", "producer", "all" or "admin"


DEMO_ACCOUNTS = [
    DemoAccount("demo.province", Role.PROVINCE_OFFICER, "Nguyễn Thị Thu Hà", "province"),
    DemoAccount("demo.commune", Role.COMMUNE_OFFICER, "Trần Văn Phúc", "commune"),
    DemoAccount("demo.council", Role.COUNCIL_MEMBER, "Lê Minh Tuấn", "province"),
    DemoAccount("demo.producer", Role.PRODUCER, "Võ Thị Ngọc Dung", "producer"),
    DemoAccount("demo.ministry", Role.MINISTRY, "Phạm Quốc Hưng", "all"),
    DemoAccount("demo.admin", "", "Quản trị hệ thống", "admin"),
]

# The producer behind the demo producer account: several products at every stage.
SHOWCASE = {
    "name": "Hợp tác xã Bánh tráng phơi sương Trảng Bàng",
    "commune": "Phường Trảng Bàng",
    "address": "Khu phố Lộc Trát",
    "representative": ("Võ Thị Ngọc Dung", Gender.FEMALE, "Kinh", 1974, "Giám đốc"),
    "founded_on": datetime.date(2015, 3, 12),
    "staff": (36, 29, 36, 0),
    "channels": [
        (SalesChannel.Kind.TRADITIONAL, "Chợ Trảng Bàng"),
        (SalesChannel.Kind.SUPERMARKET, "Co.opmart"),
        (SalesChannel.Kind.CONVENIENCE, "Bách Hóa Xanh"),
        (SalesChannel.Kind.ECOMMERCE, "Shopee"),
        (SalesChannel.Kind.ECOMMERCE, "TikTok Shop"),
    ],
    # (name vi, name en, set, status, net quantity)
    "products": [
        ("Bánh tráng phơi sương Trảng Bàng", "Trảng Bàng dew-dried rice paper", "I.3.b", 5, "500 g"),
        ("Bánh tráng phơi sương cuốn thịt heo", "Dew-dried rice paper for pork rolls", "I.3.b", 4, "300 g"),
        ("Bánh tráng me Trảng Bàng", "Trảng Bàng tamarind rice paper", "I.3.b", 4, "250 g"),
        ("Bánh canh Trảng Bàng sấy khô", "Dried Trảng Bàng thick noodles", "I.3.b", 3, "500 g"),
        ("Muối tôm Trảng Bàng", "Trảng Bàng shrimp salt", "I.4.b", "in_evaluation", "200 g"),
    ],
    "story_vi": (
        "Nghề làm bánh tráng ở Trảng Bàng có từ hơn một trăm năm. Bánh được tráng mỏng, phơi nắng, nướng "
        "trên than rơm rồi đem phơi sương đêm cho mềm dẻo mà không cần nhúng nước. Hợp tác xã gom gần bốn "
        "mươi hộ trong khu phố, phần lớn là phụ nữ, giữ cách làm cũ và đưa chiếc bánh đi khắp nơi."
    ),
    "story_en": (
        "Rice paper has been made in Trảng Bàng for more than a century. It is spread thin, dried in "
        "the sun, toasted over a straw fire and then left out in the night dew until it is soft enough "
        "to eat without dipping in water. The cooperative brings together almost forty households of "
        "the quarter, most of them run by women, keeping the old way and taking the rice paper far "
        "beyond the province."
    ),
}


# --- Search keys: the same expressions as Producer.save() and Product.save() -------------------------------


# --- Word lists ---------------------------------------------------------------------------------------


def _load(name: str) -> dict:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return json.load(fh)


@dataclass
class Kind:
    key: str
    product_set: str
    topic: str
    family: str
    weight: float
    names: list[tuple[str, str]]
    pack: list[str]
    qty: list[str]
    shelf: tuple[int, int] | None
    desc: tuple[str, str] | None = None
    area: str | None = None
    communes: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    tourism: bool = False

    @classmethod
    def from_json(cls, row: dict) -> Kind:
        return cls(
            key=row["key"],
            product_set=row["set"],
            topic=row["topic"],
            family=row["family"],
            weight=row["weight"],
            names=[tuple(n) for n in row["names"]],
            pack=row.get("pack", []),
            qty=row.get("qty", []),
            shelf=tuple(row["shelf"]) if row.get("shelf") else None,
            desc=tuple(row["desc"]) if row.get("desc") else None,
            area=row.get("area"),
            communes=row.get("communes", []),
            regions=row.get("regions", []),
            tourism=row.get("tourism", row["set"] == "VI.1"),
        )


def _weighted(rng: random.Random, pairs: list) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _short_place(commune_name: str) -> str:
    return re.sub(r"^(Xã|Phường|Đặc khu)\s+", "", commune_name)


def _short_province(name: str) -> str:
    return re.sub(r"^(Tỉnh|Thành phố)\s+", "", name)


def _split_counts(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of `total` in proportion to `weights` (deterministic)."""
    weight_sum = sum(weights.values()) or 1
    raw = {k: total * w / weight_sum for k, w in weights.items()}
    counts = {k: int(v) for k, v in raw.items()}
    left = total - sum(counts.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - counts[k]), k))[:left]:
        counts[k] += 1
    return counts


# --- Planning one province in memory -------------------------------------------------------------------


@dataclass
class CommuneRow:
    code: str
    name: str
    kind: str

    @property
    def is_ward(self) -> bool:
        return self.kind != Commune.Kind.XA

    @property
    def area(self) -> str:
        # Tây Ninh communes numbered below 27000 were Tây Ninh before the merger, the rest Long An.
        return "tn" if self.code < "27000" else "la"


@dataclass
class ProducerPlan:
    producer: Producer
    main: Kind
    place: str
    brand: str
    commune: CommuneRow
    product_count: int = 1
    products: list[Product] = field(default_factory=list)
    fixed: dict | None = None
    quality: float = 0.0


class ProvinceGenerator:
    """Plans the producers, channels, products and ratings of one province from its own random stream."""

    def __init__(self, ctx: Context, code: str, plan: Plan, block: int):
        self.ctx = ctx
        self.code = code
        self.plan = plan
        self.rng = random.Random(f"ocop-demo:{ctx.seed}:{code}")
        self.province_name = ctx.provinces[code]
        self.short_province = _short_province(self.province_name)
        self.communes = ctx.communes[code]
        self.by_name = {c.name: c for c in self.communes}
        self.regions = ["tay_ninh"] if code == TAY_NINH else PROVINCE_REGIONS.get(code, ["ndelta"])
        if code == TAY_NINH:
            self.kinds = ctx.tay_ninh_kinds
        else:
            self.kinds = [k for k in ctx.national_kinds if set(k.regions) & set(self.regions)]
        self.gtin_block = block
        self.product_names: set[str] = set()
        self.decision_numbers: dict[tuple, str] = {}

    # -- people ---------------------------------------------------------------------------------------

    def ethnicity(self) -> str:
        region = "tay_ninh" if self.code == TAY_NINH else self.regions[0]
        return _weighted(self.rng, self.ctx.people["ethnicity_mix"][region])

    def person(self, female: bool, ethnicity: str) -> tuple[str, str]:
        """(full name, short name used in a brand, e.g. 'Tư Hoa' in the South)."""
        group = self.ctx.people["ethnic_groups"][ethnicity]
        family = _weighted(self.rng, group["family"])
        middle = _weighted(self.rng, group["middle_female" if female else "middle_male"])
        given = self.rng.choice(group["given_female" if female else "given_male"])
        if group["order"] == "given_first":
            full = " ".join(p for p in (given, family) if p)
        else:
            full = " ".join(p for p in (family, middle, given) if p)
        if ethnicity in ("Kinh", "Hoa") and self._south():
            short = f"{self.rng.choice(self.ctx.people['nickname_orders'])} {given}"
        elif ethnicity in ("Kinh", "Hoa") and middle and middle not in ("Thị", "Văn"):
            short = f"{middle.split()[-1]} {given}"
        else:
            short = full
        return full, short

    def _south(self) -> bool:
        return self.code == TAY_NINH or self.regions[0] in SOUTH

    def hamlet(self) -> str:
        words = self.ctx.people
        if self._south():
            return self.rng.choice(words["hamlets_south"])
        region = self.regions[0]
        if region == "nmount":
            return self.rng.choice(words["hamlets_mountain"])
        if region == "highlands":
            return self.rng.choice(words["hamlets_highlands"])
        if region in ("ncentral", "scentral"):
            return self.rng.choice(words["hamlets_central"])
        return self.rng.choice(words["hamlets_north"])

    def hamlet_word(self) -> str:
        if self._south():
            return "Ấp"
        return {"nmount": "Bản", "highlands": ""}.get(self.regions[0], "Thôn")

    def address(self, commune: CommuneRow, hamlet: str) -> str:
        rng = self.rng
        if hamlet.startswith(("Buôn", "Làng", "Thôn")):
            place = hamlet
        elif commune.is_ward:
            place = f"Khu phố {hamlet}" if rng.random() < 0.6 else f"Khu phố {rng.randint(1, 12)}"
        elif self._south() and rng.random() < 0.25:
            place = f"Ấp {rng.randint(1, 9)}"
        else:
            place = f"{self.hamlet_word()} {hamlet}".strip()
        if rng.random() < 0.35:  # "Số 12, ấp Bình Hòa"
            place = f"Số {rng.randint(1, 420)}, {place[0].lower()}{place[1:]}"
        return place

    def phone(self, commune: CommuneRow) -> str:
        rng = self.rng
        if self.code == TAY_NINH and rng.random() < 0.15:
            return ("0276" if commune.area == "tn" else "0272") + f"{rng.randint(0, 9_999_999):07d}"
        return rng.choice(self.ctx.people["mobile_prefixes"]) + f"{rng.randint(0, 9_999_999):07d}"

    # -- identifiers -----------------------------------------------------------------------------------

    def tax_code(self, commune: CommuneRow) -> str:
        if self.code == TAY_NINH:
            prefixes = ["39"] if commune.area == "tn" else ["11"]
        else:
            prefixes = TAX_PREFIXES.get(self.code, [self.code])
        while True:
            base = self.rng.choice(prefixes) + f"{self.rng.randint(1, 9_999_999):07d}"
            check = mst.calc_check_digit(base)
            if len(check) == 1 and base + check not in self.ctx.used_tax_codes:
                code = base + check
                self.ctx.used_tax_codes.add(code)
                return code

    def personal_id(self, commune: CommuneRow, birth_year: int, female: bool) -> str:
        """A 12-digit personal identification number: birthplace province, century and sex, year, serial."""
        place = ("072" if commune.area == "tn" else "080") if self.code == TAY_NINH else f"0{self.code}"
        century_sex = (0 if birth_year < 2000 else 2) + (1 if female else 0)
        while True:
            number = f"{place}{century_sex}{birth_year % 100:02d}{self.rng.randint(0, 999_999):06d}"
            if number not in self.ctx.used_tax_codes:
                self.ctx.used_tax_codes.add(number)
                return number

    # -- producers -------------------------------------------------------------------------------------

    def pick_commune(self, kind: Kind) -> CommuneRow:
        rng = self.rng
        if kind.communes and rng.random() < 0.85:
            return self.by_name[rng.choice(kind.communes)]
        if kind.area:
            return rng.choice([c for c in self.communes if c.area == kind.area])
        return rng.choice(self.communes)

    def pick_kind(self, producer_type: str) -> Kind:
        kinds = [k for k in self.kinds if not (k.tourism and self.code == TAY_NINH)]
        if producer_type == ProducerType.HOUSEHOLD:
            kinds = [k for k in kinds if not k.tourism or self.rng.random() < 0.3]
        return self.rng.choices(kinds, [k.weight for k in kinds])[0]

    def producer_name(self, producer_type: str, kind: Kind, place: str, female: bool, ethnicity: str):
        """(legal name, brand used on product names, representative's full and short name, hamlet).

        Names are unique across the country: on a clash the representative and hamlet are drawn again."""
        rng, words = self.rng, self.ctx.people
        topic = kind.topic
        for _attempt in range(10):
            rep_full, rep_short = self.person(female, ethnicity)
            hamlet = self.hamlet()
            if kind.tourism and producer_type != ProducerType.COOPERATIVE_GROUP:
                name, brand = self.tourism_operator_name(producer_type, place, hamlet, rep_full)
            elif producer_type == ProducerType.COOPERATIVE:
                coop_kind = _weighted(rng, words["cooperative_kinds"])
                parts = ["Hợp tác xã", coop_kind]
                if not coop_kind or rng.random() < 0.5:
                    parts.append(topic)
                brand = place if rng.random() < 0.6 else hamlet
                name = " ".join(p for p in (*parts, brand) if p)
            elif producer_type == ProducerType.COOPERATIVE_GROUP:
                word = self.hamlet_word().lower()
                name, brand = " ".join(p for p in ("Tổ hợp tác", topic, word, hamlet) if p), hamlet
            elif producer_type == ProducerType.ENTERPRISE:
                brand = rng.choice(words["enterprise_brands"])
                form = _weighted(rng, words["enterprise_forms"])
                trade = rng.choice(words["enterprise_trades"])
                name = f"{form} {trade} {brand}"
                if rng.random() < 0.25:
                    name += f" {self.short_province}"
            elif producer_type == ProducerType.FARM:
                brand = rng.choice(words["enterprise_brands"]) if rng.random() < 0.5 else rep_short
                name = f"Trang trại {topic} {brand}"
            else:
                roll = rng.random()
                brand = rep_short
                if roll < 0.45:
                    name = f"Cơ sở {topic} {rep_short}"
                elif roll < 0.6:
                    name = f"Cơ sở sản xuất {topic[0].lower()}{topic[1:]} {rep_short}"
                else:
                    name = f"Hộ kinh doanh {rep_full}"
            if name not in self.ctx.producer_names:
                break
        else:
            name = (
                f"{name} {place}"
                if f"{name} {place}" not in self.ctx.producer_names
                else f"{name} ({len(self.ctx.producer_names)})"
            )
        self.ctx.producer_names.add(name)
        return name, brand, rep_full, rep_short, hamlet

    def tourism_operator_name(
        self, producer_type: str, place: str, hamlet: str, rep_full: str
    ) -> tuple[str, str]:
        rng, words = self.rng, self.ctx.people
        if producer_type == ProducerType.COOPERATIVE:
            return f"Hợp tác xã Du lịch cộng đồng {rng.choice([place, hamlet])}", place
        if producer_type == ProducerType.ENTERPRISE:
            brand = rng.choice(words["enterprise_brands"])
            form = _weighted(rng, words["enterprise_forms"])
            return f"{form} {rng.choice(['Du lịch', 'Du lịch Sinh thái', 'Dịch vụ Du lịch'])} {brand}", brand
        if producer_type == ProducerType.FARM:
            return f"Trang trại sinh thái {hamlet}", hamlet
        return f"Hộ kinh doanh {rep_full}", rep_full

    def make_producer(
        self, producer_type: str, kind: Kind, commune: CommuneRow | None = None, fixed: dict | None = None
    ):
        rng = self.rng
        commune = commune or self.pick_commune(kind)
        ethnicity = self.ethnicity()
        female = rng.random() < (0.55 if producer_type == ProducerType.HOUSEHOLD else 0.42)
        birth_year = rng.randint(1958, 1996)
        place = _short_place(commune.name)
        name, brand, rep_full, _rep_short, hamlet = self.producer_name(
            producer_type, kind, place, female, ethnicity
        )
        position = _weighted(rng, self.ctx.people["positions"][producer_type])
        founded_from, founded_to = {
            ProducerType.HOUSEHOLD: (1995, 2021),
            ProducerType.COOPERATIVE: (1998, 2021),
            ProducerType.ENTERPRISE: (2003, 2021),
            ProducerType.COOPERATIVE_GROUP: (2012, 2021),
            ProducerType.FARM: (2008, 2021),
        }[producer_type]
        founded = datetime.date(rng.randint(founded_from, founded_to), rng.randint(1, 12), rng.randint(1, 28))
        low, high = {
            ProducerType.HOUSEHOLD: (2, 10),
            ProducerType.COOPERATIVE: (7, 60),
            ProducerType.ENTERPRISE: (5, 40),
            ProducerType.COOPERATIVE_GROUP: (3, 15),
            ProducerType.FARM: (3, 25),
        }[producer_type]
        total = rng.randint(low, high)
        if producer_type == ProducerType.ENTERPRISE and rng.random() < 0.3:
            total *= rng.randint(2, 5)
        female_share = (
            rng.uniform(0.4, 0.9) if producer_type == ProducerType.HOUSEHOLD else rng.uniform(0.3, 0.8)
        )
        minority = ethnicity != "Kinh"
        if producer_type == ProducerType.HOUSEHOLD and rng.random() < 0.3:
            tax_code = self.personal_id(commune, birth_year, female)
        else:
            tax_code = self.tax_code(commune)
            if producer_type == ProducerType.ENTERPRISE and rng.random() < 0.02:
                tax_code = f"{tax_code}-{rng.randint(1, 9):03d}"
        email = ""
        if producer_type in (ProducerType.COOPERATIVE, ProducerType.ENTERPRISE) and rng.random() < 0.5:
            email = f"{re.sub(r'[^a-z0-9]+', '.', fold(brand)).strip('.')}.{tax_code[-4:]}@example.com"
        producer = Producer(
            name=name,
            producer_type=producer_type,
            tax_code=tax_code,
            commune_id=commune.code,
            address=self.address(commune, hamlet),
            phone=self.phone(commune),
            email=email,
            founded_on=founded,
            representative_name=rep_full,
            representative_position=position,
            representative_gender=Gender.FEMALE if female else Gender.MALE,
            representative_ethnicity=ethnicity,
            representative_birth_year=birth_year,
            representative_has_disability=rng.random() < 0.02,
            staff_total=total,
            staff_female=round(total * female_share),
            staff_local=max(1, round(total * rng.uniform(0.7, 1.0))),
            staff_ethnic_minority=round(total * rng.uniform(0.3, 1.0))
            if minority
            else (round(total * rng.uniform(0, 0.1)) if rng.random() < 0.3 else 0),
        )
        if fixed:
            rep_name, gender, ethnicity, birth_year, position = fixed["representative"]
            total, women, local, minority_staff = fixed["staff"]
            producer.name = fixed["name"]
            producer.address = fixed["address"]
            producer.founded_on = fixed["founded_on"]
            producer.representative_name, producer.representative_gender = rep_name, gender
            producer.representative_ethnicity, producer.representative_birth_year = ethnicity, birth_year
            producer.representative_position, producer.representative_has_disability = position, False
            producer.staff_total, producer.staff_female = total, women
            producer.staff_local, producer.staff_ethnic_minority = local, minority_staff
            self.ctx.producer_names.add(producer.name)
            brand = "Trảng Bàng"
        producer.search_key = producer.build_search_key()
        return ProducerPlan(
            producer=producer, main=kind, place=place, brand=brand, commune=commune, fixed=fixed
        )

    def channels(self, plan: ProducerPlan, modern: bool) -> list[SalesChannel]:
        rng, names = self.rng, self.ctx.people["channels"]
        K = SalesChannel.Kind
        if plan.fixed:
            chosen = list(plan.fixed["channels"])
        else:
            chosen = []
            for template in rng.sample(names["traditional"], rng.choice([1, 1, 2])):
                chosen.append(
                    (
                        K.TRADITIONAL,
                        template.format(
                            commune=_short_place(plan.commune.name), province=self.short_province
                        ),
                    )
                )
            if modern:
                for _ in range(rng.choice([1, 1, 2, 3])):
                    kind = _weighted(rng, [(K.SUPERMARKET, 3), (K.CONVENIENCE, 2.5), (K.ECOMMERCE, 4.5)])
                    chosen.append((kind, rng.choice(names[kind])))
            if plan.producer.producer_type == ProducerType.ENTERPRISE and rng.random() < 0.15:
                chosen.append((K.EXPORT, rng.choice(names["export"])))
        seen, result = set(), []
        for kind, name in chosen:
            if (kind, name) in seen:
                continue
            seen.add((kind, name))
            result.append(
                SalesChannel(
                    producer=plan.producer,
                    kind=kind,
                    name=name,
                    evidence_date=self.ctx.today - datetime.timedelta(days=rng.randint(20, 900)),
                )
            )
        return result

    # -- products --------------------------------------------------------------------------------------

    def product_name(self, kind: Kind, plan: ProducerPlan, qty: str) -> tuple[str, str]:
        rng = self.rng
        for attempt in range(6):
            base_vi, base_en = rng.choice(kind.names)
            if "{place}" in base_vi:
                place = plan.place if rng.random() < 0.6 and plan.brand != plan.place else self.short_province
                base_vi, base_en = base_vi.replace("{place}", place), base_en.replace("{place}", place)
            if kind.tourism or plan.brand in base_vi:
                name_vi, name_en = base_vi, base_en
            else:
                name_vi, name_en = f"{base_vi} {plan.brand}", f"{base_en} ({plan.brand})"
            if attempt >= 4 and qty:
                name_vi, name_en = f"{name_vi} {qty}", f"{name_en} {qty}"
            if name_vi not in self.product_names:
                break
        self.product_names.add(name_vi)
        return name_vi, name_en

    def make_product(self, plan: ProducerPlan, kind: Kind, fixed: tuple | None = None) -> Product:
        rng = self.rng
        qty = rng.choice(kind.qty) if kind.qty else ""
        if fixed:
            name_vi, name_en, kind_set, _status, qty = fixed
            self.product_names.add(name_vi)
        else:
            name_vi, name_en = self.product_name(kind, plan, qty)
            kind_set = kind.product_set
        if kind.desc:
            desc_vi, desc_en = kind.desc
        else:
            desc_vi = f"Sản phẩm của {plan.producer.name} tại {plan.commune.name}, {self.province_name}."
            desc_en = f"A product of {plan.producer.name} in {plan.commune.name}, {self.province_name}."
        product = Product(
            producer=plan.producer,
            name_vi=name_vi,
            name_en=name_en,
            product_set=kind_set,
            description_vi=desc_vi,
            description_en=desc_en,
            packaging=rng.choice(kind.pack) if kind.pack else "",
            net_quantity=qty,
            shelf_life_days=rng.randint(*kind.shelf) if kind.shelf else None,
        )
        if fixed and plan.fixed:
            product.story_vi, product.story_en = plan.fixed["story_vi"], plan.fixed["story_en"]
        return product

    def extra_kind(self, plan: ProducerPlan) -> Kind:
        rng = self.rng
        usable = [
            k
            for k in self.kinds
            if not k.tourism and (not k.area or k.area == plan.commune.area or self.code != TAY_NINH)
        ]
        family = [k for k in usable if k.family == plan.main.family]
        pool = family if family and rng.random() < 0.8 else usable
        return rng.choices(pool, [k.weight for k in pool])[0]

    # -- the whole province ----------------------------------------------------------------------------

    def build(self) -> list[ProducerPlan]:
        rng, plan = self.rng, self.plan
        types = [t for t, n in sorted(plan.types.items()) for _ in range(n)]
        rng.shuffle(types)
        plans: list[ProducerPlan] = []

        if self.code == TAY_NINH:
            showcase_kind = next(k for k in self.kinds if k.key == "banh_trang_phoi_suong")
            types.remove(ProducerType.COOPERATIVE)
            showcase = self.make_producer(
                ProducerType.COOPERATIVE, showcase_kind, self.by_name[SHOWCASE["commune"]], fixed=SHOWCASE
            )
            showcase.product_count = len(SHOWCASE["products"])
            plans.append(showcase)
            for spot in self.ctx.tay_ninh_tourism:
                types.remove(spot["type"])
                kind = Kind(
                    key="tourism",
                    product_set="VI.1",
                    topic="Du lịch",
                    family="du_lich",
                    weight=0,
                    names=[tuple(spot["name"])],
                    pack=[],
                    qty=[],
                    shelf=None,
                    desc=tuple(spot["desc"]),
                    tourism=True,
                )
                spot_plan = self.make_producer(spot["type"], kind, self.by_name[spot["commune"]])
                plans.append(spot_plan)

        for producer_type in types:
            plans.append(self.make_producer(producer_type, self.pick_kind(producer_type)))

        # Products per producer: one each, the rest to the larger producers.
        fixed_count = sum(p.product_count for p in plans if p.fixed)
        open_plans = [p for p in plans if not p.fixed and not p.main.tourism]
        weights = [
            {
                ProducerType.ENTERPRISE: 3.0,
                ProducerType.COOPERATIVE: 2.5,
                ProducerType.FARM: 1.5,
                ProducerType.COOPERATIVE_GROUP: 1.0,
                ProducerType.HOUSEHOLD: 0.6,
            }[p.producer.producer_type]
            for p in open_plans
        ]
        extra = plan.products - fixed_count - (len(plans) - sum(1 for p in plans if p.fixed))
        while extra > 0:
            chosen = rng.choices(open_plans, weights)[0]
            if chosen.product_count < 8:
                chosen.product_count += 1
                extra -= 1

        for p in plans:
            if p.fixed:
                for row in p.fixed["products"]:
                    p.products.append(self.make_product(p, p.main, fixed=row))
                continue
            p.products.append(self.make_product(p, p.main))
            for _ in range(p.product_count - 1):
                p.products.append(self.make_product(p, self.extra_kind(p)))
            p.quality = rng.random() + {
                ProducerType.ENTERPRISE: 0.35,
                ProducerType.COOPERATIVE: 0.25,
                ProducerType.FARM: 0.1,
            }.get(p.producer.producer_type, 0.0)
        self.assign_statuses(plans)
        self.assign_gtins(plans)
        self.modern = self.pick_modern(plans)
        return plans

    def assign_statuses(self, plans: list[ProducerPlan]) -> None:
        rng = self.rng
        wanted = Counter(self.plan.status_counts)
        self.statuses: dict[int, object] = {}  # id(product) → 3/4/5 or a status
        free: list[tuple[float, Product]] = []
        for p in plans:
            if p.fixed:
                for product, row in zip(p.products, p.fixed["products"], strict=True):
                    self.statuses[id(product)] = row[3]
                    wanted[row[3]] -= 1
                continue
            for product in p.products:
                free.append((p.quality + rng.random() * 0.6, product))
        # A few products are still ideas or in evaluation: any producer.
        rng.shuffle(free)
        for status in ("in_evaluation", "idea"):
            for _ in range(wanted[status]):
                _score, product = free.pop()
                self.statuses[id(product)] = status
            wanted[status] = 0
        free.sort(key=lambda pair: pair[0], reverse=True)
        order = [5] * wanted[5] + [4] * wanted[4] + [3] * wanted[3]
        if len(order) != len(free):
            raise RuntimeError(
                f"Plan for {self.code} does not add up: {len(order)} ratings for {len(free)} products."
            )
        for (_score, product), stars in zip(free, order, strict=True):
            self.statuses[id(product)] = stars
        for p in plans:
            for product in p.products:
                status = self.statuses[id(product)]
                if status in ("in_evaluation", "idea"):
                    product.status = (
                        ProductStatus.IN_EVALUATION if status == "in_evaluation" else ProductStatus.IDEA
                    )
                else:
                    product.stars = status

    def assign_gtins(self, plans: list[ProducerPlan]) -> None:
        rng = self.rng
        companies = rng.sample(range(GTIN_BLOCK), len(plans))
        for p, company in zip(plans, companies, strict=True):
            number = f"{10000 + self.gtin_block * GTIN_BLOCK + company:05d}"
            item = rng.randint(1, 400)
            for product in p.products:
                item += rng.randint(1, 7)
                if product.stars:
                    chance = 0.88
                else:
                    chance = 0.35 if product.status == ProductStatus.IN_EVALUATION else 0.0
                if p.fixed:
                    chance = 1.0
                if p.main.tourism or product.product_set == "VI.1" or rng.random() >= chance:
                    continue
                body = f"{GS1_VIETNAM_PREFIX}{number}{item:04d}"
                product.gtin = (body + ean.calc_check_digit(body)).zfill(14)

    def pick_modern(self, plans: list[ProducerPlan]) -> set[int]:
        """Exactly plan.modern_channel producers sell through a modern channel, enterprises most often."""
        rng = self.rng
        weight = {
            ProducerType.ENTERPRISE: 0.8,
            ProducerType.COOPERATIVE: 0.55,
            ProducerType.FARM: 0.5,
            ProducerType.COOPERATIVE_GROUP: 0.3,
            ProducerType.HOUSEHOLD: 0.35,
        }
        forced = {id(p) for p in plans if p.fixed}
        keyed = sorted(
            (rng.random() ** (1 / weight[p.producer.producer_type]), i)
            for i, p in enumerate(plans)
            if id(p) not in forced
        )
        take = self.plan.modern_channel - len(forced)
        return forced | {id(plans[i]) for _key, i in keyed[len(keyed) - take :]}

    def ratings(self, plans: list[ProducerPlan]) -> list[StarRating]:
        rng, today = self.rng, self.ctx.today
        rounds = [(d, w) for d, w in PROVINCE_ROUNDS if d <= today]
        ministry = [(d, suffix) for d, suffix in MINISTRY_ROUNDS if d <= today]
        result = []
        for p in plans:
            for product in p.products:
                if not product.stars:
                    continue
                history = []
                if product.stars == 5:
                    m_index = rng.randrange(len(ministry))
                    m_date, suffix = ministry[m_index]
                    earlier = [d for d, _w in rounds if d < m_date - datetime.timedelta(days=60)] or [
                        rounds[0][0]
                    ]
                    history.append((4, rng.choice(earlier[-4:]), None))
                    history.append((5, m_date, suffix))
                else:
                    index = rng.choices(range(len(rounds)), [w for _d, w in rounds])[0]
                    if product.stars == 4 and index >= 3 and rng.random() < 0.25:
                        history.append((3, rounds[rng.randrange(0, index - 1)][0], None))
                    history.append((product.stars, rounds[index][0], None))
                for stars, date, ministry_suffix in history:
                    result.append(
                        StarRating(
                            product=product,
                            stars=stars,
                            points=self.points(stars),
                            decision_number=self.decision_number(p.commune, date, ministry_suffix),
                            decision_date=date,
                            valid_until=certificate_expiry(date),
                            source=StarRating.Source.IMPORT,
                        )
                    )
                latest = history[-1]
                expired = certificate_expiry(latest[1]) < today
                product.status = ProductStatus.EXPIRED if expired else ProductStatus.RATED
        return result

    def points(self, stars: int) -> Decimal:
        low, high = {3: (50, 69.9), 4: (70, 89.9), 5: (90, 97)}[stars]
        return Decimal(f"{self.rng.uniform(low, high):.2f}")

    def decision_number(self, commune: CommuneRow, date: datetime.date, ministry_suffix: str | None) -> str:
        """One decision per round recognises the round's products; before the merger Tây Ninh and Long
        An each issued their own."""
        if ministry_suffix:
            key = ("ministry", date)
        elif self.code == TAY_NINH and date < MERGER_DATE:
            key = (commune.area, date)
        else:
            key = (self.code, date)
        if key not in self.decision_numbers:
            # Decision numbers are unique per issuer level across the country (evaluation.Decision).
            while True:
                number = f"{self.rng.randint(180, 3999)}/{ministry_suffix or 'QĐ-UBND'}"
                if number not in self.ctx.decision_numbers:
                    break
            self.ctx.decision_numbers.add(number)
            self.decision_numbers[key] = number
        return self.decision_numbers[key]


# --- Orchestration -------------------------------------------------------------------------------------


@dataclass
class Context:
    seed: int
    today: datetime.date
    provinces: dict[str, str]
    communes: dict[str, list[CommuneRow]]
    people: dict
    tay_ninh_kinds: list[Kind]
    national_kinds: list[Kind]
    tay_ninh_tourism: list[dict]
    used_tax_codes: set[str] = field(default_factory=set)
    producer_names: set[str] = field(default_factory=set)
    decision_numbers: set[str] = field(default_factory=set)


@dataclass
class Summary:
    scale: str
    seed: int
    producers: int
    products: int
    ratings: int
    channels: int
    stars: dict[int, int]
    statuses: dict[str, int]
    accounts: list[DemoAccount]
    showcase_producer_id: int | None = None
    seconds: float = 0.0
    evaluation: object = None  # ocop.evaluation.demo.EvaluationSummary


def _context(seed: int, today: datetime.date, codes: list[str]) -> Context:
    products = _load("demo_products.json")
    communes: dict[str, list[CommuneRow]] = {code: [] for code in codes}
    for code, name, kind, province_id in (
        Commune.objects.filter(province_id__in=codes)
        .order_by("code")
        .values_list("code", "name", "kind", "province_id")
    ):
        communes[province_id].append(CommuneRow(code, name, kind))
    missing = [c for c in codes if not communes[c]]
    if missing:
        raise ValueError(f"No communes loaded for province(s) {', '.join(missing)}: run migrate first.")
    return Context(
        seed=seed,
        today=today,
        provinces=dict(Province.objects.filter(code__in=codes).values_list("code", "name")),
        communes=communes,
        people=_load("demo_people.json"),
        tay_ninh_kinds=[Kind.from_json(r) for r in products["tay_ninh"]],
        national_kinds=[Kind.from_json(r) for r in products["national"]],
        tay_ninh_tourism=products["tay_ninh_tourism"],
    )


def _national_plans(ctx: Context, codes: list[str]) -> dict[str, Plan]:
    """Splits the rest-of-country plan over the provinces in proportion to their communes."""
    rest = REST_OF_COUNTRY_PLAN
    weights = {c: len(ctx.communes[c]) for c in codes}
    producers = _split_counts(rest.producers, weights)
    products = _split_counts(rest.products, weights)
    per_type = {t: _split_counts(n, weights) for t, n in rest.types.items()}
    per_status = {s: _split_counts(n, weights) for s, n in rest.status_counts.items()}
    modern = _split_counts(rest.modern_channel, weights)
    plans = {}
    for c in codes:
        types = {t: per_type[t][c] for t in rest.types}
        # Type splits round independently: bring them back to the province's producer count.
        diff = producers[c] - sum(types.values())
        types[ProducerType.HOUSEHOLD] += diff
        statuses = {s: per_status[s][c] for s in rest.status_counts}
        diff = products[c] - sum(statuses.values())
        statuses[3] += diff
        plans[c] = Plan(
            producers=producers[c],
            products=products[c],
            stars={s: statuses[s] for s in (3, 4, 5)},
            in_evaluation=statuses["in_evaluation"],
            idea=statuses["idea"],
            types=types,
            modern_channel=modern[c],
        )
    return plans


def registry_is_empty() -> bool:
    return not Producer.objects.exists()


def flush_registry() -> None:
    """Deletes every producer and product (with their channels, photos and ratings), and the evaluation
    records and certificates behind them."""
    try:
        with transaction.atomic():
            trace_demo.flush()
            evaluation_demo.flush()
            Product.objects.all().delete()
            Producer.objects.all().delete()
    except ProtectedError as exc:
        names = sorted({obj._meta.verbose_name_plural for obj in exc.protected_objects})
        raise ValueError(
            f"Cannot delete the registry: other records still point at it ({', '.join(map(str, names))})."
        ) from exc


def generate(
    scale: str = "province",
    seed: int = DEFAULT_SEED,
    today: datetime.date | None = None,
    password: str = DEMO_PASSWORD,
) -> Summary:
    """Plans every row in memory, then writes them in batches in one transaction, then the demo accounts."""
    if scale not in SCALES:
        raise ValueError(f"Unknown scale {scale!r}: choose one of {', '.join(SCALES)}.")
    started = timezone.now()
    today = today or timezone.localdate()
    all_codes = sorted(PROVINCE_REGIONS)
    if scale == "province":
        codes = [TAY_NINH]
    else:
        loaded = set(Province.objects.values_list("code", flat=True))
        # Tây Ninh first, so that it comes out the same as at province scale.
        codes = [TAY_NINH] + [c for c in all_codes if c in loaded and c != TAY_NINH]
    ctx = _context(seed, today, codes)
    plans_by_province = {TAY_NINH: TAY_NINH_PLAN}
    if scale == "national":
        plans_by_province.update(_national_plans(ctx, [c for c in codes if c != TAY_NINH]))

    producer_plans: list[ProducerPlan] = []
    channels: list[SalesChannel] = []
    ratings: list[StarRating] = []
    showcase: ProducerPlan | None = None
    for code in codes:
        generator = ProvinceGenerator(ctx, code, plans_by_province[code], block=all_codes.index(code))
        plans = generator.build()
        ratings.extend(generator.ratings(plans))
        for p in plans:
            channels.extend(generator.channels(p, modern=id(p) in generator.modern))
            for product in p.products:
                product.search_key = product.build_search_key()
            if p.fixed:
                showcase = p
        producer_plans.extend(plans)

    products = [product for p in producer_plans for product in p.products]
    # The evaluation records behind the ratings (rounds, dossiers, council sheets, decisions,
    # certificates): planned now, so that product codes and rating points go in with the rows.
    evaluation_plan = evaluation_demo.plan(products, ratings, today, seed)
    with transaction.atomic():
        Producer.objects.bulk_create([p.producer for p in producer_plans], batch_size=BATCH_SIZE)
        SalesChannel.objects.bulk_create(channels, batch_size=BATCH_SIZE)
        Product.objects.bulk_create(products, batch_size=BATCH_SIZE)
        StarRating.objects.bulk_create(ratings, batch_size=BATCH_SIZE)
        accounts = ensure_demo_accounts(showcase.producer, password)
        evaluation = evaluation_demo.write(evaluation_plan)
    analyze_tables()
    evaluation_demo.analyze_tables()
    # Batches and their journeys, through the producer's own services (a few dozen events).
    trace_demo.write(today)

    stars = Counter(p.stars for p in products if p.stars)
    return Summary(
        scale=scale,
        seed=seed,
        producers=len(producer_plans),
        products=len(products),
        ratings=len(ratings),
        channels=len(channels),
        stars=dict(sorted(stars.items())),
        statuses=dict(sorted(Counter(p.status for p in products).items())),
        accounts=accounts,
        showcase_producer_id=showcase.producer.pk,
        evaluation=evaluation,
        seconds=(timezone.now() - started).total_seconds(),
    )


def analyze_tables() -> None:
    """Refreshes PostgreSQL's planner statistics after a bulk load: until autovacuum gets to it, the planner
    guesses a handful of rows per table and picks nested loops that make list pages ten times slower."""
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in (Producer, SalesChannel, Product, StarRating, Commune, Province)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def ensure_demo_accounts(producer: Producer, password: str = DEMO_PASSWORD) -> list[DemoAccount]:
    """One account per role, scoped to Tây Ninh, the showcase producer and its commune; created or reset."""
    scopes = {
        "province": {"province_id": TAY_NINH, "commune": None, "producer": None},
        "commune": {"province_id": TAY_NINH, "commune_id": producer.commune_id, "producer": None},
        "producer": {"province": None, "commune": None, "producer": producer},
        "all": {"province": None, "commune": None, "producer": None},
        "admin": {"province": None, "commune": None, "producer": None},
    }
    # One Argon2 hash (about 0.4 s on this machine) serves all six accounts: they share the published demo
    # password anyway, and hashing it six times would make the command three times slower.
    encoded = make_password(password)
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first() or User(username=account.username)
        user.role = account.role
        user.full_name = account.full_name
        user.is_active = True
        user.is_superuser = user.is_staff = account.scope == "admin"
        user.email = f"{account.username}@example.com"
        for attr, value in scopes[account.scope].items():
            setattr(user, attr, value)
        user.password = encoded
        user.save()
    return list(DEMO_ACCOUNTS)
