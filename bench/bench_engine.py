"""Benchmark of the pure scoring engine (ocop.criteria.engine), in-process, no database:

    .venv/bin/python bench/bench_engine.py [--runs N] [--search-runs N]

Prints the median time to score one full sheet (each of the 26 sheets of Decision 26/2026 and the largest
one), and the median time of the next-star search at the worst starting point found on the largest sheet
(constructed starts — all lowest options, every mark of a level just missed, totals just below each band —
plus random ones; the slowest is then timed over many runs). Targets (issue 3): scoring < 1 ms,
next-star < 50 ms. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocop.criteria import engine as E  # noqa: E402

DATA = ROOT / "ocop" / "criteria" / "data" / "ocop-criteria-qd26-2026.json"
SCORE_TARGET_MS = 1.0
SEARCH_TARGET_MS = 50.0


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def starts(sheet: E.Sheet, rng: random.Random, count: int) -> list[tuple[str, dict[str, int]]]:
    """Candidate worst starting points for the next-star search."""
    lowest = {c.code: c.allowed_sorted[0] for c in sheet.criteria}
    highest = {c.code: c.allowed_sorted[-1] for c in sheet.criteria}
    out = [("all lowest options", lowest)]
    for level in (3, 4, 5):
        # every criterion with a mark for `level` one option below it, the rest at the top
        missed = dict(highest)
        for c in sheet.criteria:
            need = c.required_for(level)
            below = [p for p in c.allowed_sorted if p < need]
            if below:
                missed[c.code] = below[-1]
        out.append((f"every {level}★ mark just missed", missed))
    for band in sheet.bands:
        if band.min_points <= 0:
            continue
        # just below a band, climbing from the lowest options in order
        answers = dict(lowest)
        total = sum(answers.values())
        for c in sheet.criteria:
            for p in c.allowed_sorted:
                if total - answers[c.code] + p < band.min_points:
                    total += p - answers[c.code]
                    answers[c.code] = p
        out.append((f"just below {band.min_points} points", answers))
    for i in range(count):
        out.append((f"random #{i}", {c.code: rng.choice(c.allowed_sorted) for c in sheet.criteria}))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the OCOP scoring engine.")
    parser.add_argument("--runs", type=int, default=2000, help="timed runs per scoring figure")
    parser.add_argument("--search-runs", type=int, default=300, help="timed runs of the next-star search")
    parser.add_argument("--random-starts", type=int, default=300, help="random starting points screened")
    parser.add_argument("--seed", type=int, default=26)
    args = parser.parse_args(argv)

    data = json.loads(DATA.read_text(encoding="utf-8"))
    bands = data["star_bands"]
    sheets = [E.compile_sheet(s, bands) for s in data["sheets"]]
    largest = max(sheets, key=lambda s: (sum(len(c.options) for c in s.criteria), len(s.criteria)))

    print("## Scoring engine (ocop.criteria.engine), in-process")
    print(f"median over {args.runs} runs; a full sheet = every criterion answered (random valid options)")
    rng = random.Random(args.seed)
    worst_score = 0.0
    rows = []
    for s in sheets:
        answers = {c.code: rng.choice(c.allowed_sorted) for c in s.criteria}
        ms = median_ms(lambda s=s, a=answers: E.score(s, a), args.runs)
        worst_score = max(worst_score, ms)
        rows.append(f"sheet {s.number:>2} ({len(s.criteria)} criteria): {ms * 1000:7.1f} µs")
    print("\n".join(rows))
    dict_sheet = data["sheets"][largest.number - 1]
    answers = {c.code: rng.choice(c.allowed_sorted) for c in largest.criteria}
    ms_largest = median_ms(lambda: E.score(dict_sheet, answers, star_bands=bands), args.runs)
    print(
        f"largest sheet {largest.number} ({len(largest.criteria)} criteria, "
        f"{sum(len(c.options) for c in largest.criteria)} options), from the stored dict: "
        f"{ms_largest * 1000:.1f} µs   (target < {SCORE_TARGET_MS:g} ms)"
    )
    t0 = time.perf_counter()
    E._compile(dict_sheet, bands)
    print(f"compiling the largest sheet once (cached afterwards): {(time.perf_counter() - t0) * 1000:.2f} ms")

    # next star: screen the candidate starts once, then time the slowest many times
    screened = []
    for name, start in starts(largest, rng, args.random_starts):
        ms = median_ms(lambda st=start: E.next_star(largest, st), 5)
        screened.append((ms, name, start))
    screened.sort(key=lambda x: -x[0])
    _, worst_name, worst_start = screened[0]
    result = E.next_star(largest, worst_start)
    ms_search = median_ms(lambda: E.next_star(largest, worst_start), args.search_runs)
    before = E.score(largest, worst_start)
    print(
        f"next-star search on sheet {largest.number}, worst start of {len(screened)} screened "
        f"({worst_name}: {before.total} points, {before.stars}★): median {ms_search:.2f} ms over "
        f"{args.search_runs} runs   (target < {SEARCH_TARGET_MS:g} ms)"
    )
    if result is not None:
        print(
            f"  -> {result.stars}★ with {len(result.changes)} changes, +{result.points_added} points: "
            + ", ".join(f"{c.criterion} {c.from_points}→{c.to_points}" for c in result.changes)
        )
    ok = worst_score < SCORE_TARGET_MS and ms_largest < SCORE_TARGET_MS and ms_search < SEARCH_TARGET_MS
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
