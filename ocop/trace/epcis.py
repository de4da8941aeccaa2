"""EPCIS 2.0 without the database: schema validation, the CBV 2.0 event hash, and the fields an event is
queried by.

- `validate(document)` checks a document or a single event against the official EPCIS 2.0 JSON schema
  (ocop/trace/data/epcis/EPCIS-JSON-Schema.json) with format checking (`format: uri` and `date-time`
  enforced): jsonschema-rs accepts a valid document; the errors of an invalid one come from jsonschema.
  The validators are compiled once per process.
- `event_hashes(events, context)` computes the CBV 2.0 event hash of each event with the public reference
  implementation (the `epcis-event-hash-generator` package). Its JSON-LD expansion reads the EPCIS context
  from the copy in this package: no network is used.
- `extract(event)` gives the indexed columns of an `Event` and the EPCs it names with their roles.
"""

from __future__ import annotations

import copy
import datetime
import functools
import hashlib
import json
import logging
import re
import threading
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

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


_VALID_NAMES: dict[tuple[int, str], bool] = {}
_CACHE_LIMIT = 50_000


def _property_names(validator, property_names, instance, schema):
    """`propertyNames`, remembering the names found valid: whether a name is valid depends only on the
    name and the subschema, and the same few dozen names recur in every event (a 2x speed-up)."""
    if not isinstance(instance, dict):
        return
    for name in instance:
        key = (id(property_names), name)
        if key in _VALID_NAMES:
            continue
        errors = list(validator.descend(instance=name, schema=property_names))
        if errors:
            yield from errors
        elif len(_VALID_NAMES) < _CACHE_LIMIT:
            _VALID_NAMES[key] = True


@functools.cache
def validator():
    """The EPCIS 2.0 JSON-schema validator with format checking, built once per process."""
    import jsonschema

    base = jsonschema.validators.validator_for(schema())
    base.check_schema(schema())
    checker = base.FORMAT_CHECKER
    if not checker.conforms("urn:epc:id:sgtin:0614141.107346.2017", "uri") or checker.conforms(
        "not a uri", "uri"
    ):  # pragma: no cover - a broken install (the rfc3987 extra missing) must not pass silently
        raise RuntimeError("jsonschema cannot check format 'uri': install jsonschema[format-nongpl]")
    cls = jsonschema.validators.extend(base, {"propertyNames": _property_names})
    return cls(_inline_refs(schema()), format_checker=checker)


def _inline_refs(root: dict) -> dict:
    """The schema with its local `$ref`s replaced by what they point at (draft 7 ignores a `$ref`'s
    siblings, so this validates the same), saving a reference lookup at every step; a recursive
    reference is left as it is."""
    done: dict[str, Any] = {}

    def resolve(pointer: str) -> Any:
        node: Any = root
        for part in pointer.lstrip("#/").split("/"):
            node = node[unquote(part).replace("~1", "/").replace("~0", "~")]
        return node

    def walk(node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                if ref in stack:
                    return node
                if ref not in done:
                    done[ref] = walk(resolve(ref), (*stack, ref))
                return done[ref]
            return {key: walk(value, stack) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item, stack) for item in node]
        return node

    inlined = walk({k: v for k, v in root.items() if k != "definitions"}, ())
    inlined["definitions"] = root.get("definitions", {})  # still there for any recursive $ref
    return inlined


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


@functools.cache
def fast_validator():
    """The same schema compiled by jsonschema-rs (about 15x faster), used to accept a valid document at
    once. Its two formats are checked by the very functions `validator()` uses, so that both agree on what
    is valid (jsonschema-rs's own date-time would accept a leap second and the year 0, which Python's
    datetime cannot hold)."""
    import jsonschema_rs

    checker = validator().format_checker
    return jsonschema_rs.validator_for(
        schema(),
        validate_formats=True,
        formats={name: functools.partial(_conforms, checker, name) for name in ("uri", "date-time")},
    )


def _conforms(checker, name: str, value: Any) -> bool:
    return checker.conforms(value, name)


def validate(document: Any, prefix: tuple = ()) -> list[SchemaError]:
    """Every schema error of a document (or a single event), sorted by path; [] when it is valid.

    A valid document is accepted by the fast validator alone; an invalid one (or one it cannot read) is
    validated again by `validator()`, which gives the errors their paths and messages."""
    try:
        if fast_validator().is_valid(document):
            return []
    except (ValueError, TypeError):  # pragma: no cover - not a JSON value: let jsonschema say what it is
        pass
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


def package_event_hashes(events: list[dict], context: Any = None) -> list[str]:
    """The CBV 2.0 event hashes exactly as the reference package computes them for a document holding
    these events (with its JSON-LD expansion; slow: used by the tests to check `event_hashes`)."""
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


# The JSON-LD expansion the package runs on every document serves one purpose: turning the bare CBV words
# (bizStep "shipping", bizTransaction type "po", sensor type "Temperature"…) into their web-vocabulary
# URIs. That is done here from the EPCIS context directly (property-scoped vocabularies), then the
# package's heuristic replacement is applied as it is, so the pre-hash strings are the same: 10x faster.

VOCAB_PREFIXES = ("https://ref.gs1.org/cbv", "https://gs1.org/voc")


@functools.cache
def _top_context() -> dict:
    return _context_document()["@context"]


def _merge(active: dict, scoped: Any) -> dict:
    items = scoped if isinstance(scoped, list) else [scoped]
    merged = dict(active)
    for item in items:
        if isinstance(item, dict):
            merged.update(item)
    return merged


def _expand_term(value: str, active: dict) -> str | None:
    """A vocabulary value as its IRI: a term of the active context, a CURIE, or an absolute IRI."""
    for _ in range(3):  # term → CURIE → IRI
        definition = active.get(value)
        if isinstance(definition, dict):
            definition = definition.get("@id")
        if isinstance(definition, str) and not definition.startswith("@"):
            value = definition
            continue
        break
    prefix, sep, rest = value.partition(":")
    if sep and not rest.startswith("//"):
        base = _top_context().get(prefix)
        if isinstance(base, str) and not base.startswith("@"):
            return base + rest
    return value if sep else None


def _collect_vocab(node: Any, active: dict, found: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_vocab(item, active, found)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        definition = active.get(key)
        scoped = (
            _merge(active, definition["@context"])
            if isinstance(definition, dict) and "@context" in definition
            else active
        )
        is_vocab = definition == "@type" or (
            isinstance(definition, dict) and definition.get("@type") == "@vocab"
        )
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                if is_vocab:
                    iri = _expand_term(item, scoped)
                    if iri and iri.startswith(VOCAB_PREFIXES):
                        found.add(iri)
                elif item.startswith(VOCAB_PREFIXES):
                    found.add(item)
            else:
                _collect_vocab(item, scoped, found)


def _suffixes(expanded: set[str]) -> dict[str, set[str]]:
    """Each string that some expanded IRI ends with after a "-" or a "/", with the IRIs that do."""
    index: dict[str, set[str]] = {}
    for iri in expanded:
        for position, char in enumerate(iri):
            if char in "-/":
                index.setdefault(iri[position + 1 :], set()).add(iri)
    return index


def _replace_bare(node: Any, suffixes: dict[str, set[str]]) -> Any:
    # The package's rule (json_to_py._replace_bare_string_values): a string that exactly one expanded
    # vocabulary IRI ends with (after "-" or "/") is replaced by that IRI. `suffixes` (from `_suffixes`)
    # finds those IRIs at once instead of trying each.
    if isinstance(node, str):
        matches = suffixes.get(node)
        return next(iter(matches)) if matches and len(matches) == 1 else node
    if isinstance(node, list):
        return [_replace_bare(item, suffixes) for item in node]
    if isinstance(node, dict):
        return {key: _replace_bare(value, suffixes) for key, value in node.items()}
    return node


# The package's pre-hash functions run here as they are written, in copies whose module globals are changed
# in three ways that do not change a result: its tens of thousands of logging.debug calls per document do
# nothing, its regular expressions are compiled once (it calls re.match with the pattern text each time),
# and a timestamp in the strict ISO 8601 form is parsed by datetime.fromisoformat rather than dateutil (the
# same instant; anything else still goes through the package's own function). The package's modules are
# left untouched, so `package_event_hashes` stays the reference the tests compare with.


class _QuietLogging:
    """`logging` for the copies: debug and info cost nothing; warnings and errors are still logged."""

    @staticmethod
    def debug(*args, **kwargs) -> None:
        return None

    info = debug
    warning = staticmethod(logging.warning)
    error = staticmethod(logging.error)


_compiled: dict[str, re.Pattern] = {}


def _match(pattern: str, string: str):
    compiled = _compiled.get(pattern)
    if compiled is None:
        compiled = _compiled[pattern] = re.compile(pattern)
    return compiled.match(string)


_STRICT_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)\Z")


def _copy_functions(module, overrides: dict[str, Any]) -> dict[str, Any]:
    """The module's own functions re-created with a copy of its globals updated by `overrides`."""
    namespace = dict(vars(module))
    namespace.update(overrides)
    for name, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            copied = types.FunctionType(
                value.__code__, namespace, value.__name__, value.__defaults__, value.__closure__
            )
            copied.__kwdefaults__ = value.__kwdefaults__
            namespace[name] = copied
    return namespace


@functools.cache
def _fast_package() -> tuple[dict, dict]:
    """The copies: (the hash generator's namespace, json_to_py's namespace)."""
    hash_generator, json_to_py = _hash_package()
    from epcis_event_hash_generator import dl_normaliser

    package_fix_time = hash_generator._fix_time_stamp_format

    def fix_time(timestamp: str) -> str:
        if _STRICT_TIME.match(timestamp):
            try:
                moment = datetime.datetime.fromisoformat(timestamp)
            except ValueError:
                return package_fix_time(timestamp)
            moment = moment.astimezone(datetime.UTC)
            moment = moment.replace(microsecond=round(moment.microsecond, -3))  # ValueError as the package
            return moment.isoformat(timespec="milliseconds")[:-6] + "Z"
        return package_fix_time(timestamp)

    normaliser = _copy_functions(dl_normaliser, {"match": _match, "logging": _QuietLogging})
    hashing = _copy_functions(
        hash_generator,
        {
            "logging": _QuietLogging,
            "dl_normaliser": normaliser["normaliser"],
            "_fix_time_stamp_format": fix_time,
            "JOIN_BY": hash_generator.DEFAULT_JOIN_BY,
        },
    )
    # a value's canonical form depends on the value alone, and bizSteps, locations… recur
    hashing["_canonize_value"] = functools.lru_cache(maxsize=20_000)(hashing["_canonize_value"])
    return hashing, _copy_functions(json_to_py, {"logging": _QuietLogging})


def prehashes(events: list[dict], context: Any = None) -> list[str]:
    """The CBV 2.0 pre-hash string of each event (the canonical form that is hashed)."""
    hash_generator, json_to_py = _hash_package()
    hashing, parsing = _fast_package()
    from epcis_event_hash_generator import json_xml_model_mismatch_correction as correction

    expanded: set[str] = set()
    _collect_vocab(events, _top_context(), expanded)
    replaced = _replace_bare(events, _suffixes(expanded))
    to_py = parsing["_json_to_py"]
    with _hash_lock:
        json_to_py._namespaces.clear()  # the same dict in the copies' globals
        json_to_py._collect_namespaces_from_jsonld_context(_offline_context(context))
        parsed = [correction.deep_structure_correction(to_py(event)) for event in replaced]
    # What hash_generator.derive_prehashes_from_events does for each event, less its deep copy of trees
    # that were just built (and it is the default separator: the empty string).
    order = hash_generator.PROP_ORDER
    in_order, not_in_order = (
        hashing["_recurse_through_children_in_order"],
        hashing["_gather_elements_not_in_order"],
    )
    result = []
    for index, event in enumerate(parsed):
        try:
            text = "eventType=" + event[0] + in_order(event[2], order) + not_in_order(event[2], order)
        except ValueError:
            # The package fails on a time whose fraction rounds up to the next second (.9996 s):
            # round it to the millisecond as the algorithm says, carrying the second, and try again.
            carried = _carry_times(events[index])
            if carried == events[index]:
                raise
            (text,) = prehashes([carried], context)
        result.append(text)
    return result


def _carry_times(node: Any, key: str = "") -> Any:
    if isinstance(node, dict):
        return {k: _carry_times(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_carry_times(item, key) for item in node]
    name = key.lower()
    if isinstance(node, str) and "time" in name and "offset" not in name:
        try:
            moment = parse_time(node).astimezone(datetime.UTC)
        except ValueError:
            return node
        micro = round(moment.microsecond, -3)
        moment = moment.replace(microsecond=0) + datetime.timedelta(microseconds=micro)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return node


def event_hashes(events: list[dict], context: Any = None) -> list[str]:
    """The CBV 2.0 event hash (`ni:///sha-256;<hex>?ver=CBV2.0`) of each event, in order."""
    if not events:
        return []
    return [
        HASH_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest() + HASH_SUFFIX
        for text in prehashes(events, context)
    ]


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
