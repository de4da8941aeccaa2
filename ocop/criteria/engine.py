"""The OCOP scoring engine: points, stars, council consolidation and the way to the next star.

Pure Python, no Django import, so that the same code scores a producer's self-assessment, a council
member's sheet, an imported historical result, the API and the ``ocop_score`` command — and so that it can
be tested exhaustively and benchmarked in-process.

Input is ONE SHEET as the plain dict stored in the criteria-set JSON (``data["sheets"][i]``) plus the set's
``star_bands``; :func:`compile_sheet` turns it once into an immutable :class:`Sheet` (cached by the dict's
identity — a published set is immutable, so the same dict never needs recompiling).

Rules encoded here (Decision 26/2026/QĐ-TTg, Annex II and Art. 3.3):

* **Answers are points.** The evaluator picks one option per criterion; an answer is the points of the chosen
  option. A value that is not one of the criterion's option points, or an unknown criterion code, raises
  :class:`InvalidAnswer` — never a score. (Where two options carry the same points, e.g. sheet 7 criterion
  3.1 or the two alternative cases of sheet 26 criteria 8, 9, 15, the score is the same whichever was meant;
  :meth:`Criterion.options_for` returns every option wording with those points.)
* **Star-minimum marks** (``min_for_stars`` = 3/4/5 on an option, ``***``/``****``/``*****`` in the legal
  text, "Dấu sao là yêu cầu tối thiểu phải đạt theo các cấp độ sao"): a mark N on an option scoring P means
  *to reach N stars the chosen option of this criterion must score at least P points*. A criterion may carry
  several marks (e.g. sheet 1 criterion 4.1: 3★ ≥ 2, 4★ ≥ 3, 5★ ≥ 5); each level uses its own mark, and a
  level without its own mark inherits the nearest lower level's (a minimum for 3★ is also a minimum for 4★
  and 5★ — more stars never demand less): ``required(N) = max(P of marks with level ≤ N)``.
* **Final stars** = the lower of the points band and the highest level whose marks are all met; ``None``
  (no stars) when a disqualifier is ticked, and ``None`` while criteria are unanswered unless the score is
  explicitly provisional (then an unanswered criterion counts 0 points).
* **Conditional criteria**: a criterion whose note begins "Chỉ áp dụng …" ("applies only …"). In Decision
  26 that is criterion 5.2 "Cấu trúc câu chuyện sản phẩm" on sheets 1–25, note "Chỉ áp dụng khi có câu
  chuyện sản phẩm" (applies only when the product has a story). Decision: the caller states that the
  condition does not hold by listing the criterion in ``not_applicable``; such a criterion then contributes
  0 points, is not "unanswered", and its star marks (none in Decision 26) are not required. It is NOT
  re-weighted: the legal sheet has no re-scaling rule, and a product without a story already scores 0 on
  5.1 ("Không có câu chuyện sản phẩm"), so 5.2 cannot sensibly earn points either. Only conditional
  criteria may be marked not applicable, and not while also answered — either is an :class:`InvalidAnswer`.
  Notes such as "Áp dụng bắt buộc đối với …" (sheet 21 criterion 7: mandatory for some products,
  encouraged for others) or "sẽ không đánh giá các bước tiếp theo" are not applicability conditions and are
  scored normally.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

STAR_LEVELS_WITH_MARKS = (3, 4, 5)
MAX_STARS = 5
CONDITIONAL_PREFIX = "chỉ áp dụng"

# Art. 3.3 of Decision 26/2026 (identical to the set's "star_bands"); used when the caller gives none.
DEFAULT_STAR_BANDS: tuple[dict[str, Any], ...] = (
    {"stars": 5, "min_points": 90, "max_points": 100},
    {"stars": 4, "min_points": 70, "max_points_exclusive": 90},
    {"stars": 3, "min_points": 50, "max_points_exclusive": 70},
    {"stars": 2, "min_points": 30, "max_points_exclusive": 50},
    {"stars": 1, "min_points": 0, "max_points_exclusive": 30},
)


class EngineError(ValueError):
    """Base class: the input cannot be scored (the message names what is wrong)."""


class InvalidAnswer(EngineError):
    """An answer that the sheet does not allow: an unknown criterion, points that are not one of the
    criterion's options, an unknown disqualifier, or a misuse of "not applicable"."""

    def __init__(self, message: str, *, criterion: str | None = None, allowed: Sequence[int] = ()):
        super().__init__(message)
        self.criterion = criterion
        self.allowed = tuple(allowed)


class InvalidSheet(EngineError):
    """The sheet dict is not shaped as the criteria-set JSON describes."""


# --------------------------------------------------------------------------------------------- structure


@dataclass(frozen=True, slots=True)
class Option:
    points: int
    text_vi: str
    text_en: str
    min_for_stars: int | None
    case_vi: str | None = None
    case_en: str | None = None


@dataclass(frozen=True, slots=True)
class Criterion:
    """One scored line of the sheet (a leaf: three-level criteria are flattened, ``group`` names the
    middle level, e.g. "6.1"; a section whose options sit under its heading is one criterion with the
    section's code)."""

    index: int
    code: str
    name_vi: str
    name_en: str
    part: str
    section: str
    group: str | None
    max_points: int
    options: tuple[Option, ...]
    allowed: frozenset[int]
    allowed_sorted: tuple[int, ...]
    marks: tuple[tuple[int, int], ...]  # explicit (stars, points) marks, by stars
    required: tuple[int, ...]  # required[N] for N in 0..5 (cumulative; 0 = no requirement)
    conditional: bool
    note_vi: str | None
    note_en: str | None

    def options_for(self, points: int) -> tuple[Option, ...]:
        """Every option wording scoring ``points`` (two when cases/duplicates share points)."""
        return tuple(o for o in self.options if o.points == points)

    def required_for(self, stars: int) -> int:
        return self.required[stars] if 0 <= stars <= MAX_STARS else 0


@dataclass(frozen=True, slots=True)
class Band:
    stars: int
    min_points: int


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: a compiled sheet is a cache value
class Sheet:
    number: int | None
    name_vi: str
    name_en: str
    criteria: tuple[Criterion, ...]
    by_code: Mapping[str, Criterion]
    parts: tuple[str, ...]
    part_max: Mapping[str, int]
    sections: tuple[tuple[str, str], ...]  # (part, section code) in order
    section_max: Mapping[str, int]
    disqualifiers_vi: tuple[str, ...]
    disqualifiers_en: tuple[str, ...]
    bands: tuple[Band, ...]  # highest stars first
    max_total: int

    def band_stars(self, total: int | Fraction | Decimal) -> int:
        """Stars by points alone (Art. 3.3): the highest band whose minimum the total reaches."""
        return band_stars(self.bands, total)

    def band_min(self, stars: int) -> int:
        for band in self.bands:
            if band.stars == stars:
                return band.min_points
        raise EngineError(f"no star band for {stars} stars")


def band_stars(bands: tuple[Band, ...], total: int | Fraction | Decimal) -> int:
    """Stars by points alone (Art. 3.3): the highest of `bands` (highest first) whose minimum `total` reaches."""
    for band in bands:
        if total >= band.min_points:
            return band.stars
    return bands[-1].stars


def star_bands(raw: Iterable[Mapping[str, Any]] | None) -> tuple[Band, ...]:
    """A criteria set's star bands (its "star_bands"), highest first; the defaults when it has none."""
    return _bands(raw)


def _bands(star_bands: Iterable[Mapping[str, Any]] | None) -> tuple[Band, ...]:
    raw = list(star_bands) if star_bands is not None else list(DEFAULT_STAR_BANDS)
    bands = tuple(sorted((Band(int(b["stars"]), int(b["min_points"])) for b in raw), key=lambda b: -b.stars))
    if not bands:
        raise InvalidSheet("no star bands")
    return bands


def _is_conditional(note: str | None) -> bool:
    if not note:
        return False
    return any(line.strip().lower().startswith(CONDITIONAL_PREFIX) for line in note.splitlines())


def _compile(sheet: Mapping[str, Any], star_bands: Iterable[Mapping[str, Any]] | None) -> Sheet:
    number = sheet.get("number")
    criteria: list[Criterion] = []
    parts: list[str] = []
    part_max: dict[str, int] = {}
    sections: list[tuple[str, str]] = []
    section_max: dict[str, int] = {}
    try:
        for part in sheet["parts"]:
            pcode = str(part["code"])
            parts.append(pcode)
            part_max[pcode] = int(part["max_points"])
            for section in part["sections"]:
                scode = str(section["code"])
                sections.append((pcode, scode))
                section_max[scode] = int(section["max_points"])
                for c in section["criteria"]:
                    code = str(c["code"])
                    options = tuple(
                        Option(
                            points=int(o["points"]),
                            text_vi=o.get("text_vi") or "",
                            text_en=o.get("text_en") or "",
                            min_for_stars=o.get("min_for_stars"),
                            case_vi=o.get("case_vi"),
                            case_en=o.get("case_en"),
                        )
                        for o in c["options"]
                    )
                    if not options:
                        raise InvalidSheet(f"sheet {number}, criterion {code}: no options")
                    marks = tuple(
                        sorted({(int(o.min_for_stars), o.points) for o in options if o.min_for_stars})
                    )
                    required = [0] * (MAX_STARS + 1)
                    for level in range(MAX_STARS + 1):
                        required[level] = max((p for s, p in marks if s <= level), default=0)
                    allowed = frozenset(o.points for o in options)
                    criteria.append(
                        Criterion(
                            index=len(criteria),
                            code=code,
                            name_vi=c.get("name_vi") or "",
                            name_en=c.get("name_en") or "",
                            part=pcode,
                            section=scode,
                            group=c.get("group"),
                            max_points=int(c["max_points"]),
                            options=options,
                            allowed=allowed,
                            allowed_sorted=tuple(sorted(allowed)),
                            marks=marks,
                            required=tuple(required),
                            conditional=_is_conditional(c.get("note_vi")),
                            note_vi=c.get("note_vi"),
                            note_en=c.get("note_en"),
                        )
                    )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InvalidSheet):
            raise
        raise InvalidSheet(f"sheet {number}: malformed ({exc!r})") from exc
    by_code = {c.code: c for c in criteria}
    if len(by_code) != len(criteria):
        raise InvalidSheet(f"sheet {number}: duplicate criterion codes")
    return Sheet(
        number=number,
        name_vi=sheet.get("name_vi") or "",
        name_en=sheet.get("name_en") or "",
        criteria=tuple(criteria),
        by_code=MappingProxyType(by_code),
        parts=tuple(parts),
        part_max=MappingProxyType(part_max),
        sections=tuple(sections),
        section_max=MappingProxyType(section_max),
        disqualifiers_vi=tuple(sheet.get("disqualifiers_vi") or ()),
        disqualifiers_en=tuple(sheet.get("disqualifiers_en") or ()),
        bands=_bands(star_bands),
        max_total=sum(c.allowed_sorted[-1] for c in criteria),
    )


_CACHE: dict[tuple[int, int], tuple[Any, Any, Sheet]] = {}
_CACHE_LIMIT = 512


def compile_sheet(
    sheet: Mapping[str, Any] | Sheet, star_bands: Iterable[Mapping[str, Any]] | None = None
) -> Sheet:
    """Compiles a sheet dict (as stored in the criteria-set JSON) into an immutable :class:`Sheet`.

    Cached by the identity of the dict (and of ``star_bands``) because published sets never change: the
    loader can pass the same stored dict on every request and pay the compilation once. The cache keeps a
    reference to the dict so that an id is never reused while cached; it is bounded, oldest dropped first.
    A :class:`Sheet` passed in is returned as it is."""
    if isinstance(sheet, Sheet):
        return sheet
    key = (id(sheet), id(star_bands))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is sheet and hit[1] is star_bands:
        return hit[2]
    compiled = _compile(sheet, star_bands)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (sheet, star_bands, compiled)
    return compiled


# ------------------------------------------------------------------------------------------------ scoring


@dataclass(frozen=True, slots=True)
class UnmetMinimum:
    criterion: str
    stars: int
    required_points: int
    given_points: int


@dataclass(frozen=True, slots=True)
class Result:
    """The score of one sheet. ``total`` is partial when ``unanswered`` is not empty (then ``stars`` is
    None unless ``provisional``)."""

    criterion_points: Mapping[str, int]  # answered (and, provisional, unanswered as 0; N/A as 0)
    section_points: Mapping[str, int]
    part_points: Mapping[str, int]
    total: int
    stars_by_points: int
    marks_stars: int  # the highest level whose marks are all met
    unmet_minimums: tuple[UnmetMinimum, ...]
    disqualifiers: tuple[int, ...]
    disqualified: bool
    unanswered: tuple[str, ...]
    not_applicable: tuple[str, ...]
    provisional: bool
    stars: int | None

    @property
    def complete(self) -> bool:
        return not self.unanswered

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the field names of the API (issue 3)."""
        return {
            "total": self.total,
            "parts": dict(self.part_points),
            "sections": dict(self.section_points),
            "criteria": dict(self.criterion_points),
            "stars_by_points": self.stars_by_points,
            "marks_stars": self.marks_stars,
            "stars": self.stars,
            "unmet_minimums": [
                {
                    "criterion": u.criterion,
                    "stars": u.stars,
                    "required_points": u.required_points,
                    "given_points": u.given_points,
                }
                for u in self.unmet_minimums
            ],
            "disqualifiers": list(self.disqualifiers),
            "disqualified": self.disqualified,
            "unanswered": list(self.unanswered),
            "not_applicable": list(self.not_applicable),
            "provisional": self.provisional,
        }


def _check_answer(sheet: Sheet, code: Any, points: Any) -> tuple[Criterion, int]:
    crit = sheet.by_code.get(code) if isinstance(code, str) else None
    if crit is None:
        raise InvalidAnswer(f"sheet {sheet.number}: unknown criterion {code!r}", criterion=str(code))
    if (
        isinstance(points, bool)
        or not isinstance(points, (int, float, Decimal, Fraction))
        or points not in crit.allowed
    ):
        allowed = ", ".join(str(p) for p in crit.allowed_sorted)
        raise InvalidAnswer(
            f"sheet {sheet.number}, criterion {code}: {points!r} is not one of the option points ({allowed})",
            criterion=code,
            allowed=crit.allowed_sorted,
        )
    return crit, int(points)


def _check_not_applicable(
    sheet: Sheet, not_applicable: Iterable[str], answers: Mapping[str, Any]
) -> frozenset[str]:
    na = frozenset(not_applicable or ())
    for code in na:
        crit = sheet.by_code.get(code)
        if crit is None:
            raise InvalidAnswer(f"sheet {sheet.number}: unknown criterion {code!r}", criterion=str(code))
        if not crit.conditional:
            raise InvalidAnswer(
                f"sheet {sheet.number}, criterion {code}: always applies (no 'Chỉ áp dụng…' note); "
                "it cannot be marked not applicable",
                criterion=code,
            )
        if code in answers:
            raise InvalidAnswer(
                f"sheet {sheet.number}, criterion {code}: answered and marked not applicable at once",
                criterion=code,
            )
    return na


def _check_disqualifiers(sheet: Sheet, disqualifiers: Iterable[int]) -> tuple[int, ...]:
    ticked = sorted(set(disqualifiers or ()))
    for i in ticked:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(sheet.disqualifiers_vi):
            raise InvalidAnswer(
                f"sheet {sheet.number}: unknown disqualifier {i!r} "
                f"(the sheet lists {len(sheet.disqualifiers_vi)}, numbered from 0)"
            )
    return tuple(ticked)


def validate_answers(sheet: Mapping[str, Any] | Sheet, answers: Mapping[str, Any]) -> dict[str, int]:
    """Checks every answer and returns them as ``{code: int points}``; raises :class:`InvalidAnswer`."""
    compiled = compile_sheet(sheet)
    return {code: _check_answer(compiled, code, pts)[1] for code, pts in answers.items()}


def score(
    sheet: Mapping[str, Any] | Sheet,
    answers: Mapping[str, Any],
    disqualifiers: Iterable[int] = (),
    provisional: bool = False,
    not_applicable: Iterable[str] = (),
    star_bands: Iterable[Mapping[str, Any]] | None = None,
) -> Result:
    """Scores one sheet.

    ``answers`` maps criterion code → points of the chosen option. ``disqualifiers`` are the indexes (from
    0, in the order of the sheet's ``disqualifiers_vi``) that are ticked. Unanswered criteria are listed in
    ``unanswered``; without ``provisional`` the result then has no stars (the total is partial), with it
    they count 0. ``not_applicable`` lists conditional criteria whose condition does not hold (see the
    module docstring)."""
    s = compile_sheet(sheet, star_bands)
    na = _check_not_applicable(s, not_applicable, answers)
    ticked = _check_disqualifiers(s, disqualifiers)
    by_code = s.by_code
    pts: dict[str, int] = {}
    for code, value in answers.items():
        crit = by_code.get(code) if isinstance(code, str) else None
        if crit is None or isinstance(value, bool) or value not in crit.allowed:
            _check_answer(s, code, value)  # raises with the full message
        pts[code] = int(value)

    criterion_points: dict[str, int] = {}
    section_points = dict.fromkeys(s.section_max, 0)
    part_points = dict.fromkeys(s.parts, 0)
    unanswered: list[str] = []
    unmet: list[UnmetMinimum] = []
    marks_stars = MAX_STARS
    for crit in s.criteria:
        code = crit.code
        if code in pts:
            given = pts[code]
        elif code in na:
            criterion_points[code] = 0
            continue
        else:
            unanswered.append(code)
            if not provisional:
                continue
            given = 0
        criterion_points[code] = given
        section_points[crit.section] += given
        part_points[crit.part] += given
        if crit.marks:
            for level, required in crit.marks:
                if given < required:
                    unmet.append(UnmetMinimum(code, level, required, given))
            while marks_stars >= 3 and given < crit.required[marks_stars]:
                marks_stars -= 1
    if marks_stars < 3:
        marks_stars = 2
    total = sum(part_points.values())
    by_points = s.band_stars(total)
    disqualified = bool(ticked)
    stars = None if disqualified or unanswered and not provisional else min(by_points, marks_stars)
    return Result(
        criterion_points=MappingProxyType(criterion_points),
        section_points=MappingProxyType(section_points),
        part_points=MappingProxyType(part_points),
        total=total,
        stars_by_points=by_points,
        marks_stars=marks_stars,
        unmet_minimums=tuple(unmet),
        disqualifiers=ticked,
        disqualified=disqualified,
        unanswered=tuple(unanswered),
        not_applicable=tuple(c.code for c in s.criteria if c.code in na),
        provisional=provisional,
        stars=stars,
    )


# ---------------------------------------------------------------------------------------- council combine


@dataclass(frozen=True, slots=True)
class ConsolidatedCriterion:
    criterion: str
    points: int | None  # None when nobody answered and the chair recorded nothing
    source: str  # "chair" | "lower_median" | "unanswered" | "not_applicable"
    member_points: tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class Combined:
    """A council's result. ``mean`` is exact (a Fraction); use :func:`display_points` to round it."""

    member_results: tuple[Result, ...]
    member_totals: tuple[int, ...]
    mean: Fraction
    spread: int
    spread_limit: int | float
    spread_exceeded: bool
    stars_by_points: int
    consolidated: tuple[ConsolidatedCriterion, ...]
    consolidated_result: Result  # the consolidated sheet scored (for its marks)
    unmet_minimums: tuple[UnmetMinimum, ...]
    disqualified: bool
    complete: bool
    stars: int | None


def lower_median(values: Sequence[int]) -> int:
    """The lower median: for n values sorted ascending, the ((n−1)//2)-th. At least half of the members
    reached it (for even n more than half), so the council never credits an option most members withheld."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def combine(
    sheet: Mapping[str, Any] | Sheet,
    member_answers: Sequence[Mapping[str, Any]],
    chair_agreed: Mapping[str, Any] | None = None,
    *,
    spread_limit: int | float,
    disqualifiers: Iterable[int] = (),
    not_applicable: Iterable[str] = (),
    provisional: bool = False,
    star_bands: Iterable[Mapping[str, Any]] | None = None,
) -> Combined:
    """Combines council members' sheets (Art. 3.3 "tổng điểm trung bình" + the province's council rules).

    * mean of the members' totals, exact (Fraction) — round only for display;
    * spread = highest − lowest member total, flagged when it exceeds ``spread_limit`` (members re-score);
    * the consolidated sheet for star minimums: per criterion the chair's agreed option when recorded,
      otherwise the lower median of the members' points; ``consolidated`` says which for every criterion;
    * stars = min(band of the mean, highest level whose marks are all met on the consolidated sheet);
      None when disqualified, or when a member left criteria unanswered (unless ``provisional``).

    ``disqualifiers`` and ``not_applicable`` are the council's decisions, common to all members."""
    s = compile_sheet(sheet, star_bands)
    if not member_answers:
        raise EngineError("no council member's sheet to combine")
    na = frozenset(not_applicable or ())
    results = tuple(
        score(s, answers, disqualifiers=disqualifiers, provisional=provisional, not_applicable=na)
        for answers in member_answers
    )
    chair: dict[str, int] = {}
    for code, value in (chair_agreed or {}).items():
        chair[code] = _check_answer(s, code, value)[1]
    _check_not_applicable(s, na, chair)
    totals = tuple(r.total for r in results)
    mean = Fraction(sum(totals), len(totals))
    spread = max(totals) - min(totals)
    consolidated: list[ConsolidatedCriterion] = []
    consolidated_answers: dict[str, int] = {}
    for crit in s.criteria:
        code = crit.code
        member_pts = tuple(int(a[code]) if code in a else None for a in member_answers)
        if code in na:
            consolidated.append(ConsolidatedCriterion(code, None, "not_applicable", member_pts))
            continue
        if code in chair:
            value, source = chair[code], "chair"
        else:
            given = [p for p in member_pts if p is not None]
            if not given:
                consolidated.append(ConsolidatedCriterion(code, None, "unanswered", member_pts))
                continue
            value, source = lower_median(given), "lower_median"
        consolidated_answers[code] = value
        consolidated.append(ConsolidatedCriterion(code, value, source, member_pts))
    cons = score(s, consolidated_answers, disqualifiers=disqualifiers, provisional=True, not_applicable=na)
    complete = all(r.complete for r in results)
    by_points = s.band_stars(mean)
    disqualified = cons.disqualified
    stars = None if disqualified or (not complete and not provisional) else min(by_points, cons.marks_stars)
    return Combined(
        member_results=results,
        member_totals=totals,
        mean=mean,
        spread=spread,
        spread_limit=spread_limit,
        spread_exceeded=spread > spread_limit,
        stars_by_points=by_points,
        consolidated=tuple(consolidated),
        consolidated_result=cons,
        unmet_minimums=cons.unmet_minimums,
        disqualified=disqualified,
        complete=complete,
        stars=stars,
    )


def display_points(value: int | Fraction | Decimal, places: int = 2) -> Decimal:
    """Rounds an exact mean for display, half up (the province may set ``places``)."""
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        exact = Decimal(value)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# -------------------------------------------------------------------------------------- the next star


@dataclass(frozen=True, slots=True)
class Change:
    criterion: str
    from_points: int | None  # None: the criterion was unanswered
    to_points: int
    gained: int
    options: tuple[Option, ...]  # the official wording of the option(s) scoring to_points
    mandatory: bool  # the criterion was below a star-minimum mark of the target level


@dataclass(frozen=True, slots=True)
class NextStar:
    stars: int  # the target level
    from_stars: int
    changes: tuple[Change, ...]
    points_added: int
    total_after: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (API field names); each change carries the official wording(s), vi and en."""
        return {
            "stars": self.stars,
            "from_stars": self.from_stars,
            "points_added": self.points_added,
            "total_after": self.total_after,
            "changes": [
                {
                    "criterion": c.criterion,
                    "from_points": c.from_points,
                    "to_points": c.to_points,
                    "gained": c.gained,
                    "mandatory": c.mandatory,
                    "options": [
                        {
                            "text_vi": o.text_vi,
                            "text_en": o.text_en,
                            "case_vi": o.case_vi,
                            "case_en": o.case_en,
                        }
                        for o in c.options
                    ],
                }
                for c in self.changes
            ],
        }


_INF = (1 << 30, 1 << 30)


def next_star(
    sheet: Mapping[str, Any] | Sheet,
    answers: Mapping[str, Any],
    disqualifiers: Iterable[int] = (),
    not_applicable: Iterable[str] = (),
    star_bands: Iterable[Mapping[str, Any]] | None = None,
) -> NextStar | None:
    """The smallest set of answer changes that lifts the product to the next star level.

    "Smallest" = fewest criteria changed, then fewest points added; the target level's points band AND all
    its star-minimum marks must hold afterwards. Computed on the provisional score (an unanswered criterion
    counts 0 and may be "changed" to any option). Returns None when the product already has 5 stars, is
    disqualified (no answer change lifts a disqualification), or the target cannot be reached.

    Exact, not greedy. Criteria below a target mark MUST change, to an option ≥ the mark (which option is
    left to the optimisation, since a higher one may close the points gap without another change); every
    other applicable criterion may stay or rise to any higher option. Lowering never helps (it loses points
    and can only break marks). What remains is a multiple-choice knapsack: minimise (changes, points) subject
    to gain ≥ gap. A DP over the criteria with the gain clamped at the gap is exact because the objective is
    additive and lexicographic order is preserved by adding the same (1, gain) to two partial solutions; for
    states below the gap the points added equal the state, so only the count differs."""
    s = compile_sheet(sheet, star_bands)
    current = score(s, answers, disqualifiers=disqualifiers, provisional=True, not_applicable=not_applicable)
    if current.disqualified or current.stars is None:
        return None
    from_stars = current.stars
    if from_stars >= MAX_STARS:
        return None
    target = from_stars + 1
    gap = max(0, s.band_min(target) - current.total)
    na = set(current.not_applicable)

    # items: per criterion, (mandatory, current, [(gain, to_points)])
    layers: list[tuple[Criterion, int | None, bool, list[tuple[int, int]]]] = []
    for crit in s.criteria:
        if crit.code in na:
            continue
        given = current.criterion_points.get(crit.code, 0)
        raw = answers.get(crit.code)
        from_pts = None if raw is None else int(raw)
        need = crit.required[target]
        if given < need:
            choices = [(p - given, p) for p in crit.allowed_sorted if p >= need]
            layers.append((crit, from_pts, True, choices))
        else:
            choices = [(p - given, p) for p in crit.allowed_sorted if p > given]
            if choices:
                layers.append((crit, from_pts, False, choices))

    # dp[g] = (changes, points) best to reach clamped gain g; choice tables for reconstruction
    width = gap + 1
    dp: list[tuple[int, int]] = [_INF] * width
    dp[0] = (0, 0)
    history: list[list[int]] = []  # per layer: for each g, the index of the chosen option (-1 = keep)
    from_state: list[list[int]] = []
    for _crit, _from, mandatory, choices in layers:
        new = [_INF] * width
        pick = [-1] * width
        prev_g = [-1] * width
        if not mandatory:
            new[:] = dp
            prev_g = list(range(width))
        for g, (count, added) in enumerate(dp):
            if count == _INF[0]:
                continue
            for k, (gain, _to) in enumerate(choices):
                ng = g + gain
                if ng > gap:
                    ng = gap
                cand = (count + 1, added + gain)
                if cand < new[ng]:
                    new[ng] = cand
                    pick[ng] = k
                    prev_g[ng] = g
        dp = new
        history.append(pick)
        from_state.append(prev_g)
    if dp[gap][0] == _INF[0]:
        return None
    changes: list[Change] = []
    g = gap
    for layer in range(len(layers) - 1, -1, -1):
        crit, from_pts, mandatory, choices = layers[layer]
        k = history[layer][g]
        prev = from_state[layer][g]
        if k >= 0:
            gain, to = choices[k]
            changes.append(Change(crit.code, from_pts, to, gain, crit.options_for(to), mandatory))
        g = prev
    changes.reverse()
    added = dp[gap][1]
    return NextStar(
        stars=target,
        from_stars=from_stars,
        changes=tuple(changes),
        points_added=added,
        total_after=current.total + added,
    )


def apply_changes(answers: Mapping[str, Any], changes: Iterable[Change]) -> dict[str, int]:
    """The answers with the changes applied (to check a :class:`NextStar` by scoring it)."""
    out = {k: int(v) for k, v in answers.items()}
    for ch in changes:
        out[ch.criterion] = ch.to_points
    return out


__all__ = [
    "DEFAULT_STAR_BANDS",
    "Band",
    "Change",
    "Combined",
    "ConsolidatedCriterion",
    "Criterion",
    "EngineError",
    "InvalidAnswer",
    "InvalidSheet",
    "NextStar",
    "Option",
    "Result",
    "Sheet",
    "UnmetMinimum",
    "apply_changes",
    "combine",
    "compile_sheet",
    "display_points",
    "lower_median",
    "next_star",
    "score",
    "validate_answers",
]
