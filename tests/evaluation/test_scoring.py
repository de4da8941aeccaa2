"""Council scoring: quorum, the spread rule (both scoring rounds kept), closing, sheets and their checks.

The helpers at the top are shared with the other council test modules."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ocop.criteria import engine
from ocop.criteria.sheets import compiled_sheet
from ocop.evaluation.models import CouncilMember, DossierAttachment, MemberRole, MemberScore
from ocop.evaluation.selectors import council as sel
from ocop.evaluation.services import council as svc
from ocop.evaluation.workflow import DossierStatus as S
from ocop.evaluation.workflow import IllegalTransition
from tests.evaluation.factories import council, document, dossier_at

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------ helpers


def comp_of(dossier) -> engine.Sheet:
    return compiled_sheet(dossier.sheet)


def answers_totalling(comp: engine.Sheet, total: int) -> dict[str, int]:
    """Answers for every criterion of the sheet whose points add up to exactly `total`."""
    crits = list(comp.criteria)
    reachable: list[set[int]] = [set() for _ in range(len(crits) + 1)]
    reachable[len(crits)] = {0}
    for i in range(len(crits) - 1, -1, -1):
        reachable[i] = {p + r for p in crits[i].allowed for r in reachable[i + 1]}
    if total not in reachable[0]:
        raise ValueError(f"{total} cannot be reached on sheet {comp.number}")
    answers: dict[str, int] = {}
    left = total
    for i, crit in enumerate(crits):
        for p in sorted(crit.allowed, reverse=True):
            if left - p in reachable[i + 1]:
                answers[crit.code] = p
                left -= p
                break
    assert sum(answers.values()) == total
    return answers


def members(dossier) -> list[CouncilMember]:
    """The dossier's council seats, the chair first."""
    return list(
        CouncilMember.objects.filter(council_id=dossier.council_id)
        .select_related("user")
        .order_by("role", "id")
    )


def scoring_members(dossier) -> list[CouncilMember]:
    chair = [m for m in members(dossier) if m.role == MemberRole.CHAIR]
    rest = [m for m in members(dossier) if m.role == MemberRole.MEMBER]
    return chair + rest


def submit(member: CouncilMember, dossier, total: int, **extra) -> MemberScore:
    return svc.save_sheet(
        member.user, dossier, answers=answers_totalling(comp_of(dossier), total), submit=True, **extra
    )


def codes(excinfo) -> list[str]:
    """The codes of a ValidationError caught by pytest.raises (which refusal it was)."""
    return [e.code for e in excinfo.value.error_list]


def fresh(obj):
    obj.refresh_from_db()
    return obj


# ------------------------------------------------------------------------------------------ quorum


def test_quorum_three_of_four_closes():
    d = dossier_at(S.CHECKED)
    c = council(d.round, members=4)
    d = svc.assign(_officer(d), c, d)
    chair, m1, m2, _m3 = scoring_members(d)
    for m, total in ((chair, 70), (m1, 72), (m2, 74)):
        submit(m, d, total)
    q = sel.quorum(fresh(d))
    assert (q.required, q.submitted, q.met) == (3, 3, True)
    outcome = svc.close_scoring(chair.user, d)
    d = fresh(d)
    assert not outcome.rescored
    assert d.status == S.SCORED
    assert d.points == Decimal("72.00")
    assert d.closed_at is not None
    assert d.result["member_totals"] == {str(chair.pk): 70, str(m1.pk): 72, str(m2.pk): 74}
    assert d.result["spread"] == 4 and d.result["flagged"] is False
    assert d.result["scoring_round"] == 1
    assert d.stars == outcome.combined.stars


def _officer(dossier):
    from ocop.accounts.models import Role
    from tests.factories import make_user

    return make_user(Role.PROVINCE_OFFICER, province_id=dossier.round.province_id)


def _unchanged(d, **expected):
    d = fresh(d)
    for name, value in expected.items():
        assert getattr(d, name) == value, name
    return d


def test_quorum_two_of_four_refused_and_nothing_changes():
    d = dossier_at(S.IN_COUNCIL, council_=None)
    c = council(d.round, members=4)
    d.council = c
    d.save()
    chair, m1, *_ = scoring_members(d)
    submit(chair, d, 70)
    submit(m1, d, 72)
    q = sel.quorum(d)
    assert (q.required, q.submitted, q.met) == (3, 2, False)
    with pytest.raises(ValidationError, match="3") as exc:
        svc.close_scoring(chair.user, d)
    assert codes(exc) == ["quorum_not_met"]
    _unchanged(d, status=S.IN_COUNCIL, closed_at=None, points=None, stars=None, result={}, scoring_round=1)


def test_chair_not_submitted_refused():
    d = dossier_at(S.IN_COUNCIL)
    c = d.council
    CouncilMember.objects.create(council=c, user=_council_user(d), role=MemberRole.MEMBER)
    chair, m1, m2, m3 = scoring_members(d)
    for m in (m1, m2, m3):
        submit(m, d, 70)
    q = sel.quorum(d)
    assert q.submitted == 3 and q.required == 3 and not q.chair_submitted and not q.met
    with pytest.raises(ValidationError) as exc:
        svc.close_scoring(chair.user, d)
    assert codes(exc) == ["chair_not_submitted"]
    _unchanged(d, status=S.IN_COUNCIL, closed_at=None, points=None)


def _council_user(d):
    from ocop.accounts.models import Role
    from tests.factories import make_user

    return make_user(Role.COUNCIL_MEMBER, province_id=d.round.province_id)


def test_conflicted_member_excluded_from_quorum_and_refused():
    d = dossier_at(S.IN_COUNCIL)
    chair, m1, m2 = scoring_members(d)
    m2.conflicts.add(d.producer)
    q = sel.quorum(d)
    assert [m.pk for m in q.eligible] == [chair.pk, m1.pk]
    assert q.required == 2  # ceil(0.75 × 2)
    with pytest.raises(PermissionDenied):
        submit(m2, d, 70)
    assert not MemberScore.objects.filter(member=m2).exists()
    submit(chair, d, 70)
    submit(m1, d, 74)
    svc.close_scoring(chair.user, d)
    assert fresh(d).status == S.SCORED
    assert fresh(d).result["member_totals"].keys() == {str(chair.pk), str(m1.pk)}


def test_only_the_chair_closes():
    d = dossier_at(S.IN_COUNCIL)
    chair, m1, m2 = scoring_members(d)
    for m in (chair, m1, m2):
        submit(m, d, 70)
    with pytest.raises(PermissionDenied):
        svc.close_scoring(m1.user, d)
    _unchanged(d, status=S.IN_COUNCIL, closed_at=None)


# ------------------------------------------------------------------------------------------ spread


def test_spread_sends_back_then_round_two_closes_and_both_rounds_kept():
    d = dossier_at(S.IN_COUNCIL)
    chair, m1, m2 = scoring_members(d)
    submit(chair, d, 60)
    submit(m1, d, 66)
    submit(m2, d, 72)
    outcome = svc.close_scoring(chair.user, d)
    assert outcome.rescored
    d = _unchanged(d, status=S.RESCORING, scoring_round=2, closed_at=None, points=None, stars=None)
    assert outcome.combined.spread == 12
    # Round 2: the same members score again; their round-1 sheets stay.
    submit(chair, d, 64)
    submit(m1, d, 66)
    submit(m2, d, 70)
    outcome = svc.close_scoring(chair.user, d)
    assert not outcome.rescored
    d = fresh(d)
    assert d.status == S.SCORED
    assert d.points == Decimal("66.67")
    assert d.result["scoring_round"] == 2 and d.result["flagged"] is False and d.result["spread"] == 6
    assert MemberScore.objects.filter(dossier=d, scoring_round=1, submitted_at__isnull=False).count() == 3
    assert MemberScore.objects.filter(dossier=d, scoring_round=2, submitted_at__isnull=False).count() == 3
    assert sorted(MemberScore.objects.filter(dossier=d, scoring_round=1).values_list("total", flat=True)) == [
        60,
        66,
        72,
    ]


def test_spread_at_the_last_round_closes_with_the_spread_on_record():
    d = dossier_at(S.IN_COUNCIL)
    chair, m1, m2 = scoring_members(d)
    for m, t in ((chair, 60), (m1, 66), (m2, 72)):
        submit(m, d, t)
    svc.close_scoring(chair.user, d)
    d = fresh(d)
    for m, t in ((chair, 58), (m1, 66), (m2, 73)):
        submit(m, d, t)
    outcome = svc.close_scoring(chair.user, d)
    assert not outcome.rescored
    d = fresh(d)
    assert d.status == S.SCORED
    assert d.result["flagged"] is True and d.result["spread"] == 15 and d.result["scoring_round"] == 2


@override_settings(OCOP_MAX_SCORING_ROUNDS=1)
def test_spread_with_max_rounds_reached_at_once():
    d = dossier_at(S.IN_COUNCIL)
    chair, m1, m2 = scoring_members(d)
    for m, t in ((chair, 60), (m1, 66), (m2, 72)):
        submit(m, d, t)
    svc.close_scoring(chair.user, d)
    d = fresh(d)
    assert d.status == S.SCORED and d.scoring_round == 1
    assert d.result["flagged"] is True and d.result["spread"] == 12 and d.result["spread_limit"] == 10


def test_spread_limit_is_the_councils():
    d = dossier_at(S.IN_COUNCIL)
    d.council.spread_limit = 15
    d.council.save()
    chair, m1, m2 = scoring_members(d)
    for m, t in ((chair, 60), (m1, 66), (m2, 72)):
        submit(m, d, t)
    assert not svc.close_scoring(chair.user, d).rescored
    assert fresh(d).status == S.SCORED


def test_chair_sends_back_explicitly():
    d = dossier_at(S.IN_COUNCIL)
    chair, m1, _m2 = scoring_members(d)
    with pytest.raises(PermissionDenied):
        svc.send_back(m1.user, d, "Cần thảo luận")
    _unchanged(d, status=S.IN_COUNCIL, scoring_round=1)
    with pytest.raises(ValidationError) as exc:
        svc.send_back(chair.user, d, "  ")
    assert codes(exc) == ["reason"]
    _unchanged(d, status=S.IN_COUNCIL, scoring_round=1)
    svc.send_back(chair.user, d, "Cần thảo luận tiêu chí 4.1")
    _unchanged(d, status=S.RESCORING, scoring_round=2)
    # OCOP_MAX_SCORING_ROUNDS (2): no third round, by hand either; nothing changes.
    from ocop.core.models import AuditEvent

    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        svc.send_back(chair.user, d, "Thảo luận thêm")
    assert codes(exc) == ["max_rounds"]
    _unchanged(d, status=S.RESCORING, scoring_round=2)
    assert AuditEvent.objects.count() == events
    with override_settings(OCOP_MAX_SCORING_ROUNDS=3):
        svc.send_back(chair.user, d, "Thảo luận thêm")
    _unchanged(d, status=S.RESCORING, scoring_round=3)


# ------------------------------------------------------------------------------------------ sheets


def test_draft_then_submit_then_frozen():
    d = dossier_at(S.IN_COUNCIL)
    chair, *_ = scoring_members(d)
    comp = comp_of(d)
    answers = answers_totalling(comp, 70)
    first = next(iter(answers))
    draft = svc.save_sheet(chair.user, d, answers={first: answers[first]})
    assert draft.submitted_at is None and draft.total is None
    with pytest.raises(ValidationError) as exc:
        svc.save_sheet(chair.user, d, answers={first: answers[first]}, submit=True)
    assert codes(exc) == ["unanswered"]
    assert fresh(draft).submitted_at is None
    sheet = svc.save_sheet(chair.user, d, answers=answers, submit=True)
    assert sheet.total == 70 and sheet.submitted_at is not None and sheet.stars is not None
    with pytest.raises(IllegalTransition):
        svc.save_sheet(chair.user, d, answers=answers_totalling(comp, 50))
    assert fresh(sheet).total == 70 and fresh(sheet).answers == answers


def test_invalid_answer_refused():
    d = dossier_at(S.IN_COUNCIL)
    chair, *_ = scoring_members(d)
    code = comp_of(d).criteria[0].code
    with pytest.raises(ValidationError) as exc:
        svc.save_sheet(chair.user, d, answers={code: 999})
    assert codes(exc) == ["invalid_answer"]
    with pytest.raises(ValidationError) as exc:
        svc.save_sheet(chair.user, d, answers={"99.99": 1})
    assert codes(exc) == ["invalid_answer"]
    assert not MemberScore.objects.exists()


def test_advisor_cannot_score():
    d = dossier_at(S.IN_COUNCIL)
    advisor = CouncilMember.objects.create(council=d.council, user=_council_user(d), role=MemberRole.ADVISOR)
    with pytest.raises(PermissionDenied):
        submit(advisor, d, 70)
    assert not MemberScore.objects.exists()


def test_member_of_another_council_refused():
    d = dossier_at(S.IN_COUNCIL)
    other = council(d.round, members=3)
    outsider = CouncilMember.objects.filter(council=other).first()
    with pytest.raises(PermissionDenied):
        submit(outsider, d, 70)
    assert not MemberScore.objects.exists()
    _unchanged(d, status=S.IN_COUNCIL)


def test_closed_dossier_cannot_be_scored():
    d = dossier_at(S.IN_COUNCIL, council_=None)
    d.council = council(d.round, members=4)
    d.save()
    chair, m1, m3, m2 = scoring_members(d)
    submit(chair, d, 70)
    submit(m1, d, 70)
    submit(m3, d, 70)
    svc.close_scoring(chair.user, d)
    d = fresh(d)
    before = d.result
    with pytest.raises(IllegalTransition):
        submit(m2, d, 90)
    assert not MemberScore.objects.filter(member=m2).exists()
    _unchanged(d, status=S.SCORED, result=before)
    with pytest.raises(IllegalTransition):
        svc.close_scoring(chair.user, d)


def test_evidence_must_be_this_dossiers_attachments():
    d = dossier_at(S.IN_COUNCIL)
    other = dossier_at(S.IN_COUNCIL)
    mine = DossierAttachment.objects.create(
        dossier=d, document=document(d.producer), kind="business_registration"
    )
    theirs = DossierAttachment.objects.create(
        dossier=other, document=document(other.producer), kind="business_registration"
    )
    chair, *_ = scoring_members(d)
    code = comp_of(d).criteria[0].code
    with pytest.raises(ValidationError) as exc:
        svc.save_sheet(chair.user, d, answers={}, evidence={code: [mine.pk, theirs.pk]})
    assert codes(exc) == ["foreign_evidence"]
    assert not MemberScore.objects.exists()
    sheet = svc.save_sheet(
        chair.user, d, answers={}, evidence={code: [str(mine.pk)]}, comments={code: " Rõ "}
    )
    assert sheet.evidence == {code: [mine.pk]} and sheet.comments == {code: "Rõ"}


def test_assign_checks():
    d = dossier_at(S.CHECKED)
    officer = _officer(d)
    empty = council(d.round, members=0)
    with pytest.raises(ValidationError) as exc:
        svc.assign(officer, empty, d)
    assert codes(exc) == ["no_chair"]
    _unchanged(d, status=S.CHECKED, council=None)
    c = council(d.round, members=4)
    seats = scoring_members(d) or list(CouncilMember.objects.filter(council=c).order_by("role", "id"))
    # Two of four linked to the producer: 2 left, the quorum needs 3.
    for m in seats[2:]:
        m.conflicts.add(d.producer)
    with pytest.raises(ValidationError) as exc:
        svc.assign(officer, c, d)
    assert codes(exc) == ["too_few_members"]
    _unchanged(d, status=S.CHECKED, council=None)
    other_round = council(dossier_at(S.CHECKED).round, members=3)
    with pytest.raises(ValidationError) as exc:
        svc.assign(officer, other_round, d)
    assert codes(exc) == ["other_round"]
    producer_user = _council_user(d)
    with pytest.raises(PermissionDenied):
        svc.assign(producer_user, c, d)
    _unchanged(d, status=S.CHECKED, council=None)
    good = council(d.round, members=3)
    svc.assign(officer, good, d)
    _unchanged(d, status=S.IN_COUNCIL, council=good, scoring_round=1)


def test_council_setup():
    d = dossier_at(S.CHECKED)
    officer = _officer(d)
    c = svc.create_council(officer, d.round, name="Hội đồng OCOP tỉnh Tây Ninh", decision_number="15/QĐ-UBND")
    assert c.quorum == Decimal("0.75") and c.spread_limit == 10
    chair_user, member_user = _council_user(d), _council_user(d)
    svc.add_member(officer, c, chair_user, role=MemberRole.CHAIR, department="Sở NN&MT")
    with pytest.raises(ValidationError) as exc:
        svc.add_member(officer, c, member_user, role=MemberRole.CHAIR)
    assert codes(exc) == ["second_chair"]
    with pytest.raises(ValidationError) as exc:
        svc.add_member(officer, c, chair_user, role=MemberRole.MEMBER)
    assert codes(exc) == ["seated"]
    from ocop.accounts.models import Role
    from tests.factories import make_user

    with pytest.raises(ValidationError) as exc:
        svc.add_member(officer, c, make_user(Role.COUNCIL_MEMBER, province_id="01"), role=MemberRole.MEMBER)
    assert codes(exc) == ["not_eligible"]
    with pytest.raises(ValidationError) as exc:
        svc.add_member(officer, c, make_user(Role.PRODUCER), role=MemberRole.MEMBER)
    assert codes(exc) == ["not_eligible"]
    seat = svc.add_member(officer, c, member_user, role=MemberRole.MEMBER)
    assert CouncilMember.objects.filter(council=c).count() == 2
    with pytest.raises(ValidationError) as exc:
        svc.record_conflict(officer, seat, [d.producer], "")
    assert codes(exc) == ["note"]
    svc.record_conflict(officer, seat, [d.producer], "Thành viên HTX")
    assert list(fresh(seat).conflicts.all()) == [d.producer]
    other_officer = make_user(Role.PROVINCE_OFFICER, province_id="01")
    with pytest.raises(PermissionDenied):
        svc.create_council(other_officer, d.round, name="X")
    with pytest.raises(PermissionDenied):
        svc.add_member(other_officer, c, _council_user(d), role=MemberRole.MEMBER)


# ------------------------------------------------------------------------------------------ properties


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(totals=st.lists(st.integers(min_value=20, max_value=95), min_size=3, max_size=3))
def test_close_points_are_the_mean_of_submitted_totals(totals):
    d = dossier_at(S.IN_COUNCIL)
    d.council.spread_limit = 100
    d.council.save()
    seats = scoring_members(d)
    for m, t in zip(seats, totals, strict=True):
        submit(m, d, t)
    svc.close_scoring(seats[0].user, d)
    d = fresh(d)
    assert d.points == engine.display_points(Fraction(sum(totals), len(totals)))
    assert d.result["spread"] == max(totals) - min(totals)
    assert sorted(d.result["member_totals"].values()) == sorted(totals)


@given(quorum=st.decimals(min_value="0.01", max_value="1", places=2), eligible=st.integers(0, 30))
def test_required_count_is_the_exact_ceiling(quorum, eligible):
    required = sel.required_count(quorum, eligible)
    assert required >= quorum * eligible
    assert required - 1 < quorum * eligible or required == 0


# ------------------------------------------------------------------------------------------ pure rules

from ocop.evaluation import scoring as rules  # noqa: E402

TINY = {
    "number": 99,
    "parts": [
        {
            "code": "A",
            "max_points": 10,
            "sections": [
                {
                    "code": "1",
                    "max_points": 10,
                    "criteria": [
                        {"code": "1.1", "max_points": 5, "options": [{"points": p} for p in (0, 2, 5)]},
                        {
                            "code": "1.2",
                            "max_points": 5,
                            "note_vi": "Chỉ áp dụng khi có câu chuyện sản phẩm",
                            "options": [{"points": p} for p in (0, 3, 5)],
                        },
                    ],
                }
            ],
        }
    ],
    "disqualifiers_vi": ["Vi phạm an toàn thực phẩm", "Hàng giả"],
}


sheet_strategy = st.builds(
    rules.MemberSheet,
    answers=st.fixed_dictionaries(
        {"1.1": st.sampled_from([0, 2, 5])}, optional={"1.2": st.sampled_from([0, 3, 5])}
    ),
    disqualifiers=st.lists(st.integers(0, 1), max_size=2),
)


@given(sheets=st.lists(sheet_strategy, min_size=1, max_size=7))
def test_council_input_rules(sheets):
    comp = engine.compile_sheet(TINY)
    # A sheet without 1.2 marked it not applicable (the only way to leave it out).
    sheets = [
        rules.MemberSheet(s.answers, () if "1.2" in s.answers else ("1.2",), s.disqualifiers) for s in sheets
    ]
    prepared = rules.council_input(comp, sheets)
    # Not applicable for the council only when every sheet said so.
    assert prepared.not_applicable == (["1.2"] if all("1.2" not in s.answers for s in sheets) else [])
    # A sheet's total never changes by the preparation (not applicable = 0 points).
    for s, answers in zip(sheets, prepared.answers, strict=True):
        assert sum(answers.values()) == sum(s.answers.values())
    # Majority rule for disqualifiers.
    for i in (0, 1):
        ticked = sum(1 for s in sheets if i in s.disqualifiers)
        assert (i in prepared.disqualifiers) == (ticked * 2 > len(sheets))
    # The engine accepts what was prepared.
    combined = engine.combine(
        comp,
        prepared.answers,
        spread_limit=10,
        disqualifiers=prepared.disqualifiers,
        not_applicable=prepared.not_applicable,
    )
    assert combined.mean == Fraction(sum(sum(s.answers.values()) for s in sheets), len(sheets))
