"""EPCIS 2.0 without the database: schema validation, the CBV 2.0 event hash, and the fields an event is
queried by.

- `validate(document)` checks a document or a single event against the official EPCIS 2.0 JSON schema
  (ocop/trace/data/epcis/EPCIS-JSON-Schema.json) with format checking (`format: uri` and `date-time`
  enforced). The validator is compiled once per process.
- `event_hashes(events, context)` computes the CBV 2.0 event hash of each event with the public reference
  implementation (the `epcis-event-hash-generator` package). Its JSON-LD expansion reads the EPCIS context
  from the copy in this package: no network is used.
- `extract(event)` gives the indexed columns of an `Event` and the EPCs it names with their roles.
"""

from __future__ import annotations

import copy
import datetime
import functools
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "epcis"
SCHEMA_PATH = DATA / "EPCIS-JSON-Schema.json"
CONTEXT_PATH = DATA / "epcis-context.jsonld"
CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "AssociationEvent",
    "TransformationEvent",
    "TransactionEvent",
)
CBV_BIZSTEP = "https://ref.gs1.org/cbv/BizStep-"
CBV_DISP = "https://ref.gs1.org/cbv/Disp-"
HASH_PREFIX = "ni:///sha-256;"
HASH_SUFFIX = "?ver=CBV2.0"


# --- Validation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaError:
    path: str  # e.g. "epcisBody.eventList[4].eventTime"
    message: str
    event_index: int | None  # the index in eventList, None for the document's header

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


@functools.cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def validator():
    """The EPCIS 2.0 JSON-schema validator with format checking, built once per process."""
    import jsonschema

    cls = jsonschema.validators.validator_for(schema())
    cls.check_schema(schema())
    checker = cls.FORMAT_CHECKER
    if not checker.conforms("urn:epc:id:sgtin:0614141.107346.2017", "uri") or checker.conforms(
        "not a uri", "uri"
    ):  # pragma: no cover - a broken install (the rfc3987 extra missing) must not pass silently
        raise RuntimeError("jsonschema cannot check format 'uri': install jsonschema[format-nongpl]")
    return cls(schema(), format_checker=checker)


def _path(parts) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _deepest(error):
    """The most specific sub-error of an anyOf/oneOf/allOf failure (the one whose path goes deepest)."""
    from jsonschema.exceptions import best_match

    while error.context:
        candidate = best_match(error.context, key=lambda e: (len(e.absolute_path), -len(e.context or ())))
        if candidate is None or len(candidate.absolute_path) < len(error.absolute_path):
            break
        error = candidate
    return error


def _message(error) -> str:
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            return f"required property '{missing[0]}' is missing"
    message = error.message
    return message if len(message) <= 300 else message[:297] + "…"


def validate(document: Any, prefix: tuple = ()) -> list[SchemaError]:
    """Every schema error of a document (or a single event), sorted by path; [] when it is valid."""
    errors = []
    for error in validator().iter_errors(document):
        error = _deepest(error)
        parts = (*prefix, *error.absolute_path)
        path = _path(parts)
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [name for name in error.validator_value if name not in error.instance]
            if missing:
                path = _path((*parts, missing[0]))
        index = None
        if (
            len(parts) >= 3
            and parts[0] == "epcisBody"
            and parts[1] == "eventList"
            and isinstance(parts[2], int)
        ):
            index = parts[2]
        errors.append(SchemaError(path, _message(error), index))
    errors.sort(key=lambda e: (e.event_index if e.event_index is not None else -1, e.path))
    return errors


# --- Event hash (CBV 2.0, section 8.9) ----------------------------------------------------------

_hash_lock = threading.Lock()  # the package keeps module-level state (namespaces, JOIN_BY)


@functools.cache
def _context_document() -> dict:
    return json.loads(CONTEXT_PATH.read_text(encoding="utf-8"))


def _document_loader(url: str, options=None) -> dict:
    if url.rstrip("/").endswith("epcis-context.jsonld"):
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": _context_document(),
        }
    from pyld.jsonld import JsonLdError

    raise JsonLdError(
        f"Only the EPCIS 2.0 context is available offline, not {url}",
        "jsonld.LoadDocumentError",
        code="loading document failed",
    )


@functools.cache
def _hash_package():
    from epcis_event_hash_generator import hash_generator, json_to_py
    from pyld import jsonld

    jsonld.set_document_loader(_document_loader)
    return hash_generator, json_to_py


def _offline_context(context: Any) -> Any:
    """The document's @context with every remote context other than the EPCIS one left out (a JSON-LD
    expansion would try to fetch it); inline prefix definitions are kept."""
    items = context if isinstance(context, list) else [context] if context else []
    kept = [c for c in items if not isinstance(c, str) or c.rstrip("/").endswith("epcis-context.jsonld")]
    if not any(isinstance(c, str) for c in kept):
        kept.insert(0, CONTEXT_URL)
    return kept


def event_hashes(events: list[dict], context: Any = None) -> list[str]:
    """The CBV 2.0 event hash (`ni:///sha-256;<hex>?ver=CBV2.0`) of each event, in order."""
    if not events:
        return []
    hash_generator, json_to_py = _hash_package()
    document = {
        "@context": _offline_context(context),
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2000-01-01T00:00:00Z",
        "epcisBody": {"eventList": copy.deepcopy(events)},
    }
    with _hash_lock:
        json_to_py._namespaces.clear()
        parsed = json_to_py.event_list_from_epcis_document_json(document)
        prehashes = hash_generator.derive_prehashes_from_events(parsed)
    if len(prehashes) != len(events):
        raise ValueError("the event hash could not be computed for every event")
    return hash_generator.calculate_hashes_from_pre_hashes(prehashes)


def hash_hex(ni: str) -> str:
    """The hex digest inside a `ni:///sha-256;<hex>?ver=CBV2.0` URI."""
    return ni.removeprefix(HASH_PREFIX).split("?", 1)[0]


# --- Fields -------------------------------------------------------------------------------------


def parse_time(value: str) -> datetime.datetime:
    """An aware datetime from an xsd:dateTime string (the schema requires the offset)."""
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        import dateutil.parser

        moment = dateutil.parser.isoparse(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def format_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def bare(value: str, prefix: str) -> str:
    """A CBV vocabulary value as its bare word ("shipping"), whether given bare or as its URI."""
    return value[len(prefix) :] if value.startswith(prefix) else value


def _id(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id", "")
    return value if isinstance(value, str) else ""


ROLE_LISTS = (
    ("epcList", "epc", False),
    ("childEPCs", "child", False),
    ("inputEPCList", "input", False),
    ("outputEPCList", "output", False),
    ("quantityList", "class", True),
    ("childQuantityList", "child_class", True),
    ("inputQuantityList", "input_class", True),
    ("outputQuantityList", "output_class", True),
)


def extract(event: dict) -> dict[str, Any]:
    """The indexed fields of an event (as Event columns) and `epcs`: [(epc, role), …] without duplicates."""
    epcs: list[tuple[str, str]] = []
    seen = set()

    def add(value: Any, role: str) -> None:
        if isinstance(value, str) and value and (value, role) not in seen:
            seen.add((value, role))
            epcs.append((value[:400], role))

    add(event.get("parentID"), "parent")
    for key, role, is_class in ROLE_LISTS:
        for item in event.get(key) or ():
            add(item.get("epcClass") if is_class and isinstance(item, dict) else item, role)
    return {
        "event_type": str(event.get("type", ""))[:32],
        "event_time": parse_time(event["eventTime"]),
        "event_time_zone_offset": str(event.get("eventTimeZoneOffset", ""))[:6],
        "biz_step": bare(str(event.get("bizStep") or ""), CBV_BIZSTEP)[:200],
        "disposition": bare(str(event.get("disposition") or ""), CBV_DISP)[:200],
        "read_point": _id(event.get("readPoint"))[:400],
        "biz_location": _id(event.get("bizLocation"))[:400],
        "epcs": epcs,
    }


def custom_context(context: Any) -> list:
    """The inline parts of a document's @context (prefix definitions), kept with each event so that the
    event can be served on its own."""
    items = context if isinstance(context, list) else [context] if context else []
    return [c for c in items if isinstance(c, dict)]
