"""Plain form data → a GS1 EPCIS 2.0 event (JSON-LD), one builder per step of the value chain.

Pure functions: no database, no request. `build_event(step, data, ref)` takes the cleaned data of a
step's form and a `BatchRef` (what the event needs to know about the batch and its producer) and returns
an event dict that validates against the official EPCIS 2.0 JSON schema (with `format: uri` enforced).

- The batch is an EPC class in the quantity lists: its GS1 Digital Link `https://id.gs1.org/01/<gtin14>/10/
  <lot>`. A raw material taken from the batch's n-th source is the class `<base>/voc/material/<gtin>/<lot>/
  <n>`, so harvest / receipt of raw material and the transformation name the same thing.
- Places are stable URIs under the platform's own namespace: the producer `<base>/voc/place/<commune
  code>/<producer id>`, its n-th source `…/source/<n>`, a trading partner `<base>/voc/party/<kind>/<name>`.
- Business steps and dispositions are CBV 2.0 short names, which the schema accepts; harvesting, which
  CBV lacks, is `<base>/voc/BizStep-harvesting`.
- Human-readable facts (the place's name, a note, the lab's result) travel in `ocop:` extension fields,
  declared in the event's @context, so any EPCIS 2.0 system keeps them.

Event times are local Vietnamese time: `eventTime` carries the offset `+07:00` and `eventTimeZoneOffset`
says it too."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from urllib.parse import quote

from django.utils.translation import gettext_lazy as _

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
OFFSET = "+07:00"
VIETNAM = dt.timezone(dt.timedelta(hours=7))

# UN/CEFACT Recommendation 20 codes offered in the forms.
UNITS = [
    ("KGM", _("kilogram")),
    ("GRM", _("gram")),
    ("TNE", _("tonne")),
    ("LTR", _("litre")),
    ("MLT", _("millilitre")),
    ("H87", _("piece")),
]
UNIT_CODES = {code for code, _label in UNITS}

PARTNER_KINDS = [
    ("distributor", _("Distributor")),
    ("point_of_sale", _("Point of sale")),
    ("fair", _("Fair or exhibition")),
    ("processor", _("Processor")),
    ("other", _("Other")),
]


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    event_type: str
    action: str | None
    biz_step: str  # a CBV short name, or "harvesting" (the platform's own URI)
    disposition: str


# In the order of the value chain; the batch page offers one button per step.
STEPS: dict[str, Step] = {
    s.key: s
    for s in [
        Step("harvest", _("Harvest"), "ObjectEvent", "ADD", "harvesting", "active"),
        Step("receive_raw", _("Receive raw material"), "ObjectEvent", "OBSERVE", "receiving", "in_progress"),
        Step("transform", _("Process"), "TransformationEvent", None, "commissioning", "active"),
        Step("pack", _("Pack"), "ObjectEvent", "OBSERVE", "packing", "in_progress"),
        Step("store", _("Store"), "ObjectEvent", "OBSERVE", "storing", "sellable_not_accessible"),
        Step("ship", _("Ship"), "ObjectEvent", "OBSERVE", "shipping", "in_transit"),
        Step("receive", _("Receive"), "ObjectEvent", "OBSERVE", "receiving", "sellable_accessible"),
        Step("sell", _("Sell"), "ObjectEvent", "OBSERVE", "retail_selling", "retail_sold"),
        Step("inspect", _("Inspection / lab result"), "ObjectEvent", "OBSERVE", "inspecting", "conformant"),
    ]
}

# Vietnamese (msgid English) names of business steps for the timeline, by CBV short name or our URI tail.
BIZ_STEP_LABELS = {
    "harvesting": _("Harvest"),
    "receiving": _("Receipt"),
    "commissioning": _("Processing"),
    "packing": _("Packing"),
    "storing": _("Storage"),
    "shipping": _("Shipping"),
    "retail_selling": _("Retail sale"),
    "inspecting": _("Inspection"),
}


@dataclass(frozen=True)
class BatchRef:
    """What an event needs to know about its batch."""

    base_url: str  # OCOP_PUBLIC_BASE_URL, e.g. "https://ocop.example.vn"
    gtin: str  # GTIN-14
    lot: str
    commune_code: str
    producer_id: int
    place_name: str = ""  # the producer's name and address, for the timeline
    sources: list[dict] = field(default_factory=list)


def _base(ref: BatchRef) -> str:
    return ref.base_url.rstrip("/")


def voc(ref: BatchRef, tail: str) -> str:
    return f"{_base(ref)}/voc/{tail}"


def batch_class(ref: BatchRef) -> str:
    """The batch as an EPC class: its GS1 Digital Link URI on the canonical id.gs1.org host."""
    return f"https://id.gs1.org/01/{ref.gtin}/10/{quote(ref.lot, safe='')}"


def material_class(ref: BatchRef, source_number: int) -> str:
    return voc(ref, f"material/{ref.gtin}/{quote(ref.lot, safe='')}/{source_number}")


def producer_place(ref: BatchRef) -> str:
    return voc(ref, f"place/{ref.commune_code}/{ref.producer_id}")


def source_place(ref: BatchRef, source_number: int) -> str:
    return f"{producer_place(ref)}/source/{source_number}"


def partner_uri(ref: BatchRef, kind: str, name: str) -> str:
    return voc(ref, f"party/{quote(kind, safe='')}/{quote(' '.join(name.split()).lower(), safe='')}")


def biz_step_uri(ref: BatchRef, biz_step: str) -> str:
    """The value of bizStep: CBV short names as they are, the platform's own steps as URIs."""
    return voc(ref, "BizStep-harvesting") if biz_step == "harvesting" else biz_step


def biz_step_key(value: str) -> str:
    """The short name of a stored bizStep (CBV short name, CBV URI or our URI) for labels."""
    for prefix in ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:"):
        if value.startswith(prefix):
            return value[len(prefix) :]
    if "/voc/BizStep-" in value:
        return value.rsplit("/voc/BizStep-", 1)[1]
    return value


def step_label(biz_step: str) -> str:
    key = biz_step_key(biz_step or "")
    return str(BIZ_STEP_LABELS.get(key, key.replace("_", " ")))


def event_time(when: dt.datetime) -> str:
    """ISO 8601 in Vietnamese local time with the explicit offset, to the second."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=VIETNAM)
    return when.astimezone(VIETNAM).replace(microsecond=0).isoformat()


def number(value) -> int | float:
    """A JSON number for a quantity (JSONField cannot hold Decimal)."""
    value = decimal.Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def quantity(epc_class: str, amount, uom: str | None) -> dict:
    element: dict = {"epcClass": epc_class}
    if amount is not None:
        element["quantity"] = number(amount)
        if uom:
            if uom not in UNIT_CODES:
                raise ValueError(f"unknown unit {uom!r}")
            element["uom"] = uom
    return element


def _source_number(ref: BatchRef, data: dict) -> int:
    """The 1-based number of the batch source a form chose (0 when the batch lists none)."""
    n = int(data.get("source") or 0)
    if n and not 1 <= n <= len(ref.sources):
        raise ValueError(f"the batch has no source {n}")
    return n


def _clean(text) -> str:
    return " ".join(str(text or "").split())


def build_event(step_key: str, data: dict, ref: BatchRef) -> dict:
    """The EPCIS 2.0 event for the cleaned data of a step's form.

    `data` always holds `when` (an aware or naive local datetime) and may hold `note`; the other keys are
    those of the step's form (see ocop.trace.forms)."""
    step = STEPS[step_key]
    event: dict = {
        "@context": [EPCIS_CONTEXT, {"ocop": voc(ref, "")}],
        "type": step.event_type,
        "eventTime": event_time(data["when"]),
        "eventTimeZoneOffset": OFFSET,
    }
    if step.action:
        event["action"] = step.action
    place, place_name = producer_place(ref), ref.place_name
    amount, uom = data.get("quantity"), data.get("unit") or None
    body: dict = {}

    if step_key in ("harvest", "receive_raw"):
        n = _source_number(ref, data) or 1
        source = ref.sources[n - 1] if ref.sources else {}
        if step_key == "harvest":
            place = source_place(ref, n)
            place_name = _clean(" — ".join(filter(None, [source.get("name"), source.get("plot")])))
        body["quantityList"] = [quantity(material_class(ref, n), amount, uom)]
        if step_key == "receive_raw" and source:
            body["sourceList"] = [{"type": "owning_party", "source": source_place(ref, n)}]
    elif step_key == "transform":
        # The raw materials of the sources chosen (material 1 when the batch lists no source).
        chosen = [_source_number(ref, {"source": n}) for n in data.get("inputs") or [] if n]
        inputs = sorted(set(chosen)) if ref.sources and chosen else [1]
        body["inputQuantityList"] = [quantity(material_class(ref, n), None, None) for n in inputs]
        body["outputQuantityList"] = [quantity(batch_class(ref), amount, uom)]
    else:
        body["quantityList"] = [quantity(batch_class(ref), amount, uom)]

    if step_key in ("ship", "receive"):
        partner = _clean(data.get("partner"))
        kind = data.get("partner_kind") or "other"
        if partner:
            uri = partner_uri(ref, kind, partner)
            if step_key == "ship":
                body["destinationList"] = [
                    {"type": "owning_party", "destination": uri},
                    {"type": "location", "destination": uri},
                ]
                event["ocop:destination"] = partner
            else:  # received at the partner's place
                place, place_name = uri, partner

    disposition = step.disposition
    if step_key == "inspect":
        disposition = "conformant" if data.get("passed", True) else "non_conformant"
        report = _clean(data.get("report_number"))
        link = (data.get("document_url") or "").strip()
        event["certificationInfo"] = link or voc(ref, f"certificate/{quote(report or 'unnumbered', safe='')}")
        event["ocop:lab"] = _clean(data.get("lab"))
        event["ocop:reportNumber"] = report
        event["ocop:result"] = _clean(data.get("result"))
        if data.get("certificate"):
            event["ocop:certificate"] = _clean(data.get("certificate"))

    event.update(body)
    event["bizStep"] = biz_step_uri(ref, step.biz_step)
    event["disposition"] = disposition
    event["readPoint"] = {"id": place}
    event["bizLocation"] = {"id": place}
    if place_name:
        event["ocop:place"] = place_name
    note = _clean(data.get("note"))
    if note:
        event["ocop:note"] = note
    return event
