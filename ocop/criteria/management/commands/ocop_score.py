"""manage.py ocop_score --set qd26-2026 --sheet N answers.json [--provisional] [--json]

Scores a set of answers on a published sheet, exactly as POST /api/v1/criteria/sets/{set}/sheets/{N}/score
does (same service, same checks), and prints a readable table — or, with --json, the API's body.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ocop.criteria import sheets

WIDTH = 100
INDENT = " " * 8


class Command(BaseCommand):
    help = (
        "Score answers on a sheet of a published criteria set and print each criterion with the chosen "
        "option's official wording, the parts, the total, the stars and the smallest way to the next star. "
        "The answers file holds either the score API's body ({“answers”: {code: points}, “disqualifiers”: "
        "[…], “provisional”: false, “not_applicable”: […]}) or a plain {code: points} map."
    )

    def add_arguments(self, parser):
        parser.add_argument("--set", dest="set_id", default="qd26-2026", help="criteria set id (qd26-2026)")
        parser.add_argument("--sheet", type=int, required=True, help="sheet number (1–26 in Decision 26)")
        parser.add_argument("answers", help="the answers file (JSON, UTF-8)")
        parser.add_argument(
            "--provisional", action="store_true", help="count unanswered criteria as 0 and give stars anyway"
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the API's JSON body")

    def handle(self, set_id, sheet, answers, provisional, as_json, **options):
        request = self._read(answers)
        try:
            body = sheets.score_answers(
                set_id,
                sheet,
                request["answers"],
                disqualifiers=request.get("disqualifiers", []),
                provisional=provisional or request.get("provisional") is True,
                not_applicable=request.get("not_applicable", []),
            )
        except sheets.SheetNotFound as exc:
            raise CommandError(str(exc)) from exc
        except sheets.ScoreInputError as exc:
            lines = "\n".join(f"  - {e['message']}" for e in exc.errors)
            raise CommandError(
                _("%(path)s: the sheet does not allow these answers:\n%(lines)s")
                % {
                    "path": answers,
                    "lines": lines,
                }
            ) from exc
        if as_json:
            self.stdout.write(json.dumps(body, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render(body))

    def _read(self, path: str) -> dict[str, Any]:
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from exc
        except ValueError as exc:
            raise CommandError(
                _("%(path)s is not valid JSON: %(error)s") % {"path": path, "error": exc}
            ) from exc
        if not isinstance(data, dict):
            raise CommandError(_("%(path)s must hold a JSON object.") % {"path": path})
        if isinstance(data.get("answers"), dict):
            unknown = set(data) - {"answers", "disqualifiers", "provisional", "not_applicable"}
            if unknown:
                raise CommandError(
                    _("%(path)s: unknown keys %(keys)s.") % {"path": path, "keys": ", ".join(sorted(unknown))}
                )
            if "provisional" in data and not isinstance(data["provisional"], bool):
                raise CommandError(_("%(path)s: “provisional” must be true or false.") % {"path": path})
            return data
        return {"answers": data}


def _wrap(text: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=INDENT, subsequent_indent=INDENT + "  ")


def _wording(options: list[dict[str, Any]]) -> str:
    texts = []
    for o in options:
        text = o["text_vi"]
        if o.get("case_vi"):
            text = f"[{o['case_vi']}] {text}"
        texts.append(text)
    return " / ".join(texts)


def render(body: dict[str, Any]) -> str:
    """The readable table of a score body (as sheets.score_answers returns it)."""
    out: list[str] = []
    sheet = body["sheet"]
    out.append(f"{_('Sheet')} {sheet['number']} — {sheet['name_vi']} ({body['set_id']})")
    out.append("")
    out.append(f"{_('Code'):<7} {_('Criterion'):<72} {_('Points'):>7}  {_('Unmet')}")
    out.append("-" * WIDTH)
    for c in body["criteria"]:
        if c["status"] == "answered":
            points = f"{c['points']}/{c['max_points']}"
        elif c["status"] == "not_applicable":
            points = _("n/a")
        else:
            points = f"—/{c['max_points']}"
        unmet = ", ".join(
            f"{stars}★ ≥ {next(m['points'] for m in c['marks'] if m['stars'] == stars)}"
            for stars in c["unmet_stars"]
        )
        name = c["name_vi"] if len(c["name_vi"]) <= 72 else c["name_vi"][:71] + "…"
        out.append(f"{c['code']:<7} {name:<72} {points:>7}  {'✗ ' + unmet if unmet else ''}".rstrip())
        if c["status"] == "answered":
            out.append(_wrap("→ " + _wording(c["options"])))
        elif c["status"] == "unanswered":
            out.append(INDENT + _("(unanswered)"))
    out.append("-" * WIDTH)
    parts = ", ".join(
        f"{code} {points}/{body['part_maxima'][code]}" for code, points in body["parts"].items()
    )
    out.append(f"{_('Parts')}: {parts}")
    out.append(f"{_('Total')}: {body['total']}/{body['max_total']}")
    out.append(f"{_('Stars by points')}: {body['stars_by_points']}★")
    out.append(f"{_('Stars')}: {_stars_line(body)}")
    if body["disqualifiers"]:
        out.append(_("Disqualified by:"))
        for d in body["disqualifiers"]:
            out.append(_wrap(f"{d['index']}. {d['text_vi']}"))
    if body["unmet_minimums"]:
        out.append(_("Unmet star minimums:"))
        for u in body["unmet_minimums"]:
            out.append(
                f"  {u['criterion']}: "
                + _("%(stars)s★ needs at least %(required)s points, given %(given)s")
                % {"stars": u["stars"], "required": u["required_points"], "given": u["given_points"]}
            )
    out.append(f"{_('Unanswered')}: {', '.join(body['unanswered']) or _('none')}")
    if body["not_applicable"]:
        out.append(f"{_('Not applicable')}: {', '.join(body['not_applicable'])}")
    way = body["next_star"]
    if way is None:
        out.append(f"{_('Next star')}: {_('none (5 stars, disqualified, or out of reach)')}")
    else:
        out.append(
            _("Next star (%(stars)s★): %(count)s change(s), +%(points)s points, total after %(total)s")
            % {
                "stars": way["stars"],
                "count": len(way["changes"]),
                "points": way["points_added"],
                "total": way["total_after"],
            }
        )
        for ch in way["changes"]:
            before = _wording(ch["from_options"]) if ch["from_options"] else _("(unanswered)")
            mark = f" ({_('required by a star mark')})" if ch["mandatory"] else ""
            out.append(f"  {ch['criterion']} {ch['name_vi']}, +{ch['gained']}{mark}")
            out.append(_wrap(f"{ch['from_points'] if ch['from_points'] is not None else '—'}: {before}"))
            out.append(_wrap(f"→ {ch['to_points']}: {_wording(ch['options'])}"))
    return "\n".join(out)


def _stars_line(body: dict[str, Any]) -> str:
    reason = body["stars_reason"]
    if reason == "disqualified":
        return _("none — a disqualifier is ticked")
    if reason == "incomplete":
        return _("none — %(count)s criteria unanswered (use --provisional to count them as 0)") % {
            "count": len(body["unanswered"])
        }
    if reason == "marks":
        return _("%(stars)s★ — held below the points band (%(band)s★) by the star-minimum marks") % {
            "stars": body["stars"],
            "band": body["stars_by_points"],
        }
    return _("%(stars)s★ — by points (the star-minimum marks would allow %(marks)s★)") % {
        "stars": body["stars"],
        "marks": body["marks_stars"],
    }
