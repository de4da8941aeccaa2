"""Pure rules of council scoring (no database): the quorum count and the council's common decisions
drawn from the members' sheets. The engine (ocop.criteria.engine)
does the scoring and the combining; these only prepare its input."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ocop.criteria import engine


def required_count(quorum: Decimal | str, eligible: int) -> int:
    """ceil(quorum × eligible scoring members), exactly (no float rounding: 0.75 × 4 = 3)."""
    return math.ceil(Decimal(str(quorum)) * eligible)


@dataclass(frozen=True)
class MemberSheet:
    answers: Mapping[str, int]
    not_applicable: Sequence[str] = ()
    disqualifiers: Sequence[int] = ()


@dataclass(frozen=True)
class CouncilInput:
    answers: list[dict[str, int]]  # one per sheet, in the order given
    not_applicable: list[str]
    disqualifiers: list[int]


def council_input(sheet: engine.Sheet, sheets: Sequence[MemberSheet]) -> CouncilInput:
    """What the engine's `combine` gets from the members' sheets.

    * A disqualifier counts when MORE than half of the sheets tick it.
    * A conditional criterion is not applicable for the council when every sheet marked it so; a sheet
      that marked it not applicable while others answered it counts 0 points on it (the engine's value
      for "not applicable", so that sheet's total does not change) — or the lowest option when the
      criterion has no 0-point option."""
    common_na = set.intersection(*(set(s.not_applicable) for s in sheets)) if sheets else set()
    answers_list = []
    for s in sheets:
        answers = {code: int(points) for code, points in s.answers.items()}
        for code in s.not_applicable:
            if code not in common_na and code not in answers:
                crit = sheet.by_code[code]
                answers[code] = 0 if 0 in crit.allowed else crit.allowed_sorted[0]
        answers_list.append(answers)
    ticks = Counter(i for s in sheets for i in set(s.disqualifiers))
    disqualifiers = sorted(i for i, n in ticks.items() if n * 2 > len(sheets))
    return CouncilInput(answers_list, sorted(common_na), disqualifiers)
