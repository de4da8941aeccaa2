"""GS1 Digital Link URIs (GS1 Digital Link Standard: URI Syntax 1.4) for the keys a label carries:
`/01/<gtin>`, `/01/<gtin>/10/<lot>`, `/01/<gtin>/10/<lot>/21/<serial>`, and data attributes in the query
string (`?17=YYMMDD`). Pure: no Django import.

Parsing goes through biip (element strings checked against the GS1 AI patterns: the AI-82 character set
and length of lot and serial, valid dates); this module adds what a resolver needs on top: a GTIN must
have 8, 12, 13 or 14 digits and a correct check digit (biip pads any length and leaves a wrong check
digit unreported), and it becomes a GTIN-14. Every error is a `DigitalLinkError` with a plain message.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString, GS1ElementStrings
from biip.gtin import Gtin

GTIN_LENGTHS = (8, 12, 13, 14)
# The AIs the resolver keys on: GTIN, then the qualifiers it accepts, in the order the standard fixes.
AI_GTIN, AI_LOT, AI_SERIAL, AI_EXPIRY = "01", "10", "21", "17"
# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
AI82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_DIGITS = re.compile(r"^\d+$")


class DigitalLinkError(ValueError):
    """A URI (or a value to build one) that is not a valid GS1 Digital Link for this resolver."""


@dataclass(frozen=True)
class DigitalLink:
    gtin: str  # GTIN-14
    lot: str | None = None
    serial: str | None = None
    expiry: dt.date | None = None
    # Every GS1 AI given as a data attribute in the query string (ai → raw value), e.g. {"17": "261231"}.
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The key part of the URI: `/01/<gtin14>[/10/<lot>[/21/<serial>]]`, values percent-encoded."""
        return key_path(self.gtin, self.lot, self.serial)

    def uri(self, host: str) -> str:
        return build(host, self.gtin, lot=self.lot, serial=self.serial, expiry=self.expiry)


def normalize_gtin(value: str) -> str:
    """A GTIN-8/12/13/14 with a correct check digit, as GTIN-14; else DigitalLinkError."""
    raw = (value or "").strip()
    if not _DIGITS.match(raw) or len(raw) not in GTIN_LENGTHS:
        raise DigitalLinkError(f"A GTIN has 8, 12, 13 or 14 digits, got {value!r}.")
    try:
        gtin = Gtin.parse(raw.zfill(14))
    except ParseError as exc:
        raise DigitalLinkError(f"Invalid GTIN {value!r}: {exc}") from exc
    return gtin.as_gtin_14()


def yymmdd(date: dt.date) -> str:
    """A date as a GS1 date field (AI 17 and friends): YYMMDD."""
    return date.strftime("%y%m%d")


def key_path(gtin: str, lot: str | None = None, serial: str | None = None) -> str:
    if serial and not lot:
        raise DigitalLinkError(
            "A serial number needs a lot in this resolver: /01/<gtin>/10/<lot>/21/<serial>."
        )
    path = f"/{AI_GTIN}/{gtin}"
    if lot:
        path += f"/{AI_LOT}/{quote(lot, safe='')}"
    if serial:
        path += f"/{AI_SERIAL}/{quote(serial, safe='')}"
    return path


def parse(uri_or_path: str, query: str | None = None) -> DigitalLink:
    """Parse a GS1 Digital Link, given as a whole URI or as a path (`/01/…`, percent-encoded as it came
    over the wire) with its query string apart. Unknown query parameters (e.g. linkType) are ignored;
    GS1 AIs there are checked and returned in `attributes`."""
    text = (uri_or_path or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        # A bare path: give biip an absolute URI around it.
        text = "https://resolver.invalid" + (text if text.startswith("/") else "/" + text)
        parts = urlsplit(text)
    if query is not None:
        text = text.split("?", 1)[0] + ("?" + query if query else "")
        parts = urlsplit(text)
    segments = [s for s in parts.path.split("/")]
    try:
        start = segments.index(AI_GTIN)
    except ValueError:
        raise DigitalLinkError("A GS1 Digital Link here starts with /01/<GTIN>.") from None
    segments = segments[start:]
    if segments and segments[-1] == "":
        segments = segments[:-1]  # a trailing slash
    if len(segments) % 2:
        raise DigitalLinkError(f"Expected pairs of AI and value in the path, got {parts.path!r}.")
    keys = [segments[i] for i in range(0, len(segments), 2)]
    if keys not in (["01"], ["01", "10"], ["01", "10", "21"]):
        raise DigitalLinkError(
            "Expected /01/<GTIN>, /01/<GTIN>/10/<lot> or /01/<GTIN>/10/<lot>/21/<serial>, got "
            f"{'/' + '/'.join(segments)!r}."
        )
    raw_gtin = segments[1]
    gtin = normalize_gtin(raw_gtin)
    # biip checks every element string (lot, serial and query AIs) against the GS1 AI patterns.
    segments[1] = gtin
    canonical = "https://resolver.invalid/" + "/".join(segments) + ("?" + parts.query if parts.query else "")
    try:
        link = GS1DigitalLinkURI.parse(canonical)
    except ParseError as exc:
        raise DigitalLinkError(str(exc)) from exc
    values: dict[str, GS1ElementString] = {}
    for element in link.element_strings:  # the path's come first
        values.setdefault(element.ai.ai, element)
    path_ais = set(keys)
    attributes = {ai: es.value for ai, es in values.items() if ai not in path_ais}
    lot = values[AI_LOT].value if AI_LOT in values and AI_LOT in path_ais else None
    serial = values[AI_SERIAL].value if AI_SERIAL in values and AI_SERIAL in path_ais else None
    expiry = values[AI_EXPIRY].date if AI_EXPIRY in values else None
    # A query parameter may not repeat a key of the path with another value.
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in path_ais and key != AI_GTIN and value != {AI_LOT: lot, AI_SERIAL: serial}.get(key):
            raise DigitalLinkError(f"The query string gives AI ({key}) again, with another value.")
    return DigitalLink(gtin=gtin, lot=lot, serial=serial, expiry=expiry, attributes=attributes)


def build(
    host: str,
    gtin: str,
    lot: str | None = None,
    serial: str | None = None,
    expiry: dt.date | None = None,
) -> str:
    """`https://<host>/01/<gtin14>[/10/<lot>[/21/<serial>]][?17=YYMMDD]`, every value checked."""
    if not host or "/" in host or "?" in host or "#" in host:
        raise DigitalLinkError(f"Expected a host name, got {host!r}.")
    gtin14 = normalize_gtin(gtin)
    if serial and not lot:
        raise DigitalLinkError(
            "A serial number needs a lot in this resolver: /01/<gtin>/10/<lot>/21/<serial>."
        )
    strings = GS1ElementStrings()
    try:
        strings.append(GS1ElementString.parse(f"{AI_GTIN}{gtin14}"))
        if lot:
            strings.append(GS1ElementString.parse(f"{AI_LOT}{lot}"))
        if serial:
            strings.append(GS1ElementString.parse(f"{AI_SERIAL}{serial}"))
        if expiry:
            strings.append(GS1ElementString.parse(f"{AI_EXPIRY}{yymmdd(expiry)}"))
    except ParseError as exc:
        raise DigitalLinkError(str(exc)) from exc
    return GS1DigitalLinkURI.from_element_strings(strings).as_uri(domain=host)


def query_string(expiry: dt.date | None) -> str:
    return urlencode({AI_EXPIRY: yymmdd(expiry)}) if expiry else ""


def epc_uri(gtin: str, lot: str | None = None) -> str:
    """The canonical GS1 Digital Link (id.gs1.org) of a GTIN or a lot, as EPCIS 2.0 names a class of
    objects in Digital Link form: `https://id.gs1.org/01/<gtin14>[/10/<lot>]`."""
    return "https://id.gs1.org" + key_path(normalize_gtin(gtin), lot)
