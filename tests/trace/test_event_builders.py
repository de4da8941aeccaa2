"""The plain forms' builders write EPCIS 2.0 events that the official JSON schema accepts (with
`format: uri` enforced), for any form input; and they say what the form said."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, FormatChecker

from ocop.trace import events_forms as ef

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "ocop/trace/data/epcis/EPCIS-JSON-Schema.json").read_text("utf-8")
)
VALIDATOR = Draft7Validator(SCHEMA, format_checker=FormatChecker())
# GS1 AI (10) characters (set 82).
LOT_ALPHABET = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
WHEN = dt.datetime(2026, 3, 14, 9, 30, tzinfo=ef.VIETNAM)


def errors(event: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(event)]


def ref(**kw) -> ef.BatchRef:
    values = {
        "base_url": "https://ocop.example.vn",
        "gtin": "08938500000010",
        "lot": "L2026-03",
        "commune_code": "25918",
        "producer_id": 42,
        "place_name": "HTX Bánh tráng Trảng Bàng, Ấp Bình Hòa",
        "sources": [
            {"kind": "farm", "name": "Ruộng ông Tư", "plot": "Thửa 12", "certificate": "VietGAP"},
            {"kind": "supplier", "name": "Công ty Muối Tây Ninh", "plot": ""},
        ],
    }
    return ef.BatchRef(**(values | kw))


def data(**kw) -> dict:
    return {
        "when": WHEN,
        "quantity": Decimal("12.5"),
        "unit": "KGM",
        "source": 1,
        "inputs": [1, 2],
        "partner": "Co.op Mart Tây Ninh",
        "partner_kind": "point_of_sale",
        "lab": "Trung tâm Kỹ thuật TĐC 3",
        "report_number": "KQ-0312/2026",
        "passed": True,
        "result": "Dư lượng thuốc BVTV dưới giới hạn",
        "note": "",
    } | kw


def test_the_validator_is_not_toothless():
    good = ef.build_event("pack", data(), ref())
    assert errors(good) == []
    for broken in (
        good | {"bizStep": "not a step"},
        good | {"eventTimeZoneOffset": "7h"},
        good | {"readPoint": {"id": "no uri"}},
        good | {"quantityList": [{"epcClass": "x y", "quantity": 1}]},
        {k: v for k, v in good.items() if k != "action"},
    ):
        assert errors(broken)


@pytest.mark.parametrize("step", list(ef.STEPS))
def test_every_step_validates_and_says_what_it_is(step):
    event = ef.build_event(step, data(), ref())
    assert errors(event) == []
    spec = ef.STEPS[step]
    assert event["type"] == spec.event_type
    assert event["eventTime"] == "2026-03-14T09:30:00+07:00"
    assert event["eventTimeZoneOffset"] == "+07:00"
    assert event["@context"][0] == ef.EPCIS_CONTEXT
    assert event["readPoint"]["id"].startswith("https://ocop.example.vn/voc/")
    if spec.action:
        assert event["action"] == spec.action


def test_steps_cbv_names_and_our_own_harvesting():
    steps = {k: ef.build_event(k, data(), ref())["bizStep"] for k in ef.STEPS}
    assert steps == {
        "harvest": "https://ocop.example.vn/voc/BizStep-harvesting",
        "receive_raw": "receiving",
        "transform": "commissioning",
        "pack": "packing",
        "store": "storing",
        "ship": "shipping",
        "receive": "receiving",
        "sell": "retail_selling",
        "inspect": "inspecting",
    }
    assert ef.step_label(steps["harvest"]) == "Harvest" or ef.step_label(steps["harvest"]) == "Thu hoạch"


def test_batch_is_a_digital_link_class_with_uom():
    event = ef.build_event("pack", data(quantity=Decimal("200"), unit="H87"), ref(lot="A/1"))
    assert event["quantityList"] == [
        {"epcClass": "https://id.gs1.org/01/08938500000010/10/A%2F1", "quantity": 200, "uom": "H87"}
    ]


def test_transformation_links_the_harvested_material_to_the_batch():
    r = ref()
    harvest = ef.build_event("harvest", data(source=2), r)
    transform = ef.build_event("transform", data(inputs=[2]), r)
    material = harvest["quantityList"][0]["epcClass"]
    assert material == "https://ocop.example.vn/voc/material/08938500000010/L2026-03/2"
    assert transform["inputQuantityList"] == [{"epcClass": material}]
    assert transform["outputQuantityList"][0]["epcClass"] == ef.batch_class(r)
    assert harvest["readPoint"]["id"] == "https://ocop.example.vn/voc/place/25918/42/source/2"
    assert harvest["ocop:place"] == "Công ty Muối Tây Ninh"


def test_shipping_names_the_destination_and_receipt_happens_there():
    ship = ef.build_event("ship", data(), ref())
    partner = "https://ocop.example.vn/voc/party/point_of_sale/co.op%20mart%20t%C3%A2y%20ninh"
    assert ship["destinationList"] == [
        {"type": "owning_party", "destination": partner},
        {"type": "location", "destination": partner},
    ]
    assert ship["disposition"] == "in_transit"
    receive = ef.build_event("receive", data(), ref())
    assert receive["bizLocation"] == {"id": partner}
    assert receive["ocop:place"] == "Co.op Mart Tây Ninh"


def test_inspection_carries_certification_info_and_result():
    failed = ef.build_event("inspect", data(passed=False), ref())
    assert failed["disposition"] == "non_conformant"
    assert failed["certificationInfo"] == "https://ocop.example.vn/voc/certificate/KQ-0312%2F2026"
    assert failed["ocop:lab"] == "Trung tâm Kỹ thuật TĐC 3"
    linked = ef.build_event("inspect", data(document_url="https://lab.example.vn/kq/312"), ref())
    assert linked["certificationInfo"] == "https://lab.example.vn/kq/312"
    assert linked["disposition"] == "conformant"


def test_unknown_source_or_unit_is_refused():
    with pytest.raises(ValueError):
        ef.build_event("harvest", data(source=3), ref())
    with pytest.raises(ValueError):
        ef.build_event("pack", data(unit="bags"), ref())


texts = st.text(min_size=0, max_size=60)
names = st.text(min_size=1, max_size=60).filter(lambda s: s.strip())


@settings(max_examples=150, deadline=None)
@given(
    step=st.sampled_from(list(ef.STEPS)),
    lot=st.text(alphabet=LOT_ALPHABET, min_size=1, max_size=20),
    gtin=st.from_regex(r"\A[0-9]{14}\Z"),
    when=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)),
    aware=st.booleans(),
    quantity=st.none() | st.decimals(min_value=0, max_value=10**9 - 1, places=3, allow_nan=False),
    unit=st.sampled_from([c for c, _ in ef.UNITS]),
    sources=st.lists(st.fixed_dictionaries({"name": names, "plot": texts}), max_size=3),
    partner=texts,
    kind=st.sampled_from([k for k, _ in ef.PARTNER_KINDS]),
    lab=texts,
    report=texts,
    passed=st.booleans(),
    url=st.sampled_from(["", "https://lab.example.vn/r/1", "http://x.vn/a?b=c"]),
    note=texts,
    base=st.sampled_from(["https://ocop.example.vn", "http://127.0.0.1:8000/", "https://a.gov.vn/ocop"]),
)
def test_any_form_input_gives_a_valid_event(
    step, lot, gtin, when, aware, quantity, unit, sources, partner, kind, lab, report, passed, url, note, base
):
    r = ref(base_url=base, lot=lot, gtin=gtin, sources=sources)
    if aware:
        when = when.replace(tzinfo=dt.UTC)
    form = data(
        when=when,
        quantity=quantity,
        unit=unit,
        source=1 if sources else 0,
        inputs=list(range(1, len(sources) + 1)),
        partner=partner,
        partner_kind=kind,
        lab=lab,
        report_number=report,
        passed=passed,
        document_url=url,
        note=note,
    )
    event = ef.build_event(step, form, r)
    assert errors(event) == []
    json.dumps(event)  # storable as it is
    assert event["eventTime"].endswith("+07:00")
    assert dt.datetime.fromisoformat(event["eventTime"]) == (
        when if aware else when.replace(tzinfo=ef.VIETNAM)
    ).replace(microsecond=0)


def test_event_time_converts_other_zones_to_vietnam_time():
    utc = dt.datetime(2026, 3, 14, 20, 15, 30, 999, tzinfo=dt.UTC)
    event = ef.build_event("pack", data(when=utc), ref())
    assert event["eventTime"] == "2026-03-15T03:15:30+07:00"
    assert dt.datetime.fromisoformat(event["eventTime"]) == utc.replace(microsecond=0)
    naive = dt.datetime(2026, 3, 14, 9, 30)  # a form's local date and time
    assert ef.build_event("pack", data(when=naive), ref())["eventTime"] == "2026-03-14T09:30:00+07:00"
