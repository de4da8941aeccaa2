"""Council independence: before the chair closes, no member sees another member's sheet — not its
total, its answers, its comments or its evidence — through any page, by forged ids in URLs or query
strings, or through the dossier's history; only how many sheets were submitted."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.core.models import AuditEvent
from ocop.evaluation.models import CouncilMember, Dossier, DossierAttachment, MemberScore
from ocop.evaluation.selectors import council as sel
from ocop.evaluation.services import council as svc
from ocop.evaluation.workflow import DossierStatus as S
from tests.evaluation.factories import council, document, dossier_at
from tests.evaluation.test_scoring import answers_totalling, comp_of, fresh, scoring_members
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SECRET_A = "BÍ-MẬT-CỦA-THÀNH-VIÊN-A"
SECRET_DRAFT = "NHÁP-CỦA-THÀNH-VIÊN-C"


def _walk(value, seen=None):
    """Every object reachable from a template context (lists, dicts, dataclass-like rows)."""
    seen = seen if seen is not None else set()
    if id(value) in seen:
        return
    seen.add(id(value))
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v, seen)
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            yield from _walk(v, seen)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _walk(getattr(value, name), seen)


def sheets_in_context(response) -> set[int]:
    """Ids of the MemberScore rows a page handed to its template."""
    found: set[int] = set()
    if response.context is None:
        return found
    for ctx in response.context:
        for d in ctx.dicts:
            for obj in _walk(dict(d)):
                if isinstance(obj, MemberScore):
                    found.add(obj.pk)
    return found


@pytest.fixture
def scene():
    """A dossier in scoring: A (a member) submitted with a secret comment, C (a member) has a draft,
    B (the chair) has not scored yet."""
    d = dossier_at(S.IN_COUNCIL)
    d.council.spread_limit = 100
    d.council.save()
    chair_b, member_a, member_c = scoring_members(d)
    comp = comp_of(d)
    code = comp.criteria[0].code
    att = DossierAttachment.objects.create(dossier=d, document=document(d.producer), kind="label")
    sheet_a = svc.save_sheet(
        member_a.user,
        d,
        answers=answers_totalling(comp, 87),
        submit=True,
        comments={code: SECRET_A},
        evidence={code: [att.pk]},
    )
    sheet_c = svc.save_sheet(
        member_c.user, d, answers={code: comp.criteria[0].allowed_sorted[0]}, comments={code: SECRET_DRAFT}
    )
    return {"d": d, "a": member_a, "b": chair_b, "c": member_c, "sheet_a": sheet_a, "sheet_c": sheet_c}


def _pages(d):
    return [
        reverse("evaluation:council_list"),
        reverse("evaluation:council_detail", args=[d.council_id]),
        reverse("evaluation:score", args=[d.pk]),
        reverse("evaluation:scoring", args=[d.pk]),
        reverse("evaluation:discussion", args=[d.pk]),
    ]


def _other_pages(d):
    """Pages outside the council's own that a member also reads."""
    return [
        reverse("evaluation:inbox"),
        reverse("evaluation:dossier_detail", args=[d.pk]),
        reverse("evaluation:result", args=[d.pk]),
        "/",
    ]


def _assert_blind(client, d, others: set[int], secrets=(SECRET_A, SECRET_DRAFT)):
    for url in _pages(d) + _other_pages(d):
        for query in ("", f"?member={min(others)}&scoring_round=1&sheet={min(others)}"):
            response = client.get(url + query)
            assert response.status_code in (200, 403), url
            body = response.content.decode()
            assert not [secret for secret in secrets if secret in body], url
            assert not (sheets_in_context(response) & others), url


def test_members_see_no_other_sheet_before_close(scene, client_of):
    d, a, b, c = scene["d"], scene["a"], scene["b"], scene["c"]
    sheet_a, sheet_c = scene["sheet_a"], scene["sheet_c"]
    _assert_blind(client_of(b.user), d, {sheet_a.pk, sheet_c.pk})
    _assert_blind(client_of(c.user), d, {sheet_a.pk}, secrets=(SECRET_A,))
    _assert_blind(client_of(a.user), d, {sheet_c.pk}, secrets=(SECRET_DRAFT,))
    # The province sees who submitted, never a score.
    _assert_blind(client_of(make_user(Role.PROVINCE_OFFICER)), d, {sheet_a.pk, sheet_c.pk})
    # Only the count reaches the other members.
    page = client_of(c.user).get(reverse("evaluation:score", args=[d.pk]))
    assert page.context["submitted"] == 1


def test_a_member_sees_their_own_sheet(scene, client_of):
    d, a = scene["d"], scene["a"]
    page = client_of(a.user).get(reverse("evaluation:score", args=[d.pk]))
    assert page.status_code == 200 and SECRET_A in page.content.decode()
    assert page.context["sheet"].pk == scene["sheet_a"].pk


def test_visible_scores(scene):
    d, a, b, c = scene["d"], scene["a"], scene["b"], scene["c"]
    sheet_a, sheet_c = scene["sheet_a"], scene["sheet_c"]
    assert set(sel.visible_scores(a.user, d)) == {sheet_a}
    assert set(sel.visible_scores(c.user, d)) == {sheet_c}
    assert not sel.visible_scores(b.user, d).exists()
    assert not sel.visible_scores(make_user(Role.PROVINCE_OFFICER), d).exists()
    assert not sel.visible_scores(make_user(Role.PRODUCER, producer=d.producer), d).exists()
    outsider = CouncilMember.objects.filter(council=council(d.round)).first().user
    assert not sel.visible_scores(outsider, d).exists()
    # After the close: every submitted sheet, to the council and the province; still not to others.
    svc.save_sheet(b.user, d, answers=answers_totalling(comp_of(d), 80), submit=True)
    svc.save_sheet(c.user, d, answers=answers_totalling(comp_of(d), 75), submit=True)
    svc.close_scoring(b.user, d)
    d = fresh(d)
    assert d.status == S.SCORED
    everyone = set(MemberScore.objects.filter(dossier=d))
    assert set(sel.visible_scores(b.user, d)) == everyone
    assert set(sel.visible_scores(c.user, d)) == everyone
    assert set(sel.visible_scores(make_user(Role.PROVINCE_OFFICER), d)) == everyone
    assert not sel.visible_scores(make_user(Role.PROVINCE_OFFICER, province_id="01"), d).exists()
    assert not sel.visible_scores(make_user(Role.PRODUCER, producer=d.producer), d).exists()
    assert not sel.visible_scores(outsider, d).exists()
    assert not sel.visible_scores(make_user(Role.MINISTRY), d).exists()


def test_after_close_the_council_sees_every_sheet(scene, client_of):
    d, b, c = scene["d"], scene["b"], scene["c"]
    svc.save_sheet(b.user, d, answers=answers_totalling(comp_of(d), 80), submit=True)
    svc.save_sheet(c.user, d, answers=answers_totalling(comp_of(d), 75), submit=True)
    svc.close_scoring(b.user, d)
    page = client_of(c.user).get(reverse("evaluation:scoring", args=[d.pk]))
    assert page.status_code == 200
    assert scene["sheet_a"].pk in sheets_in_context(page)
    assert str(scene["a"].user) in page.content.decode()


def test_forged_urls_from_another_council(scene, client_of):
    d = scene["d"]
    outsider = CouncilMember.objects.filter(council=council(d.round)).first().user
    client = client_of(outsider)
    for url in _pages(d)[2:]:
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("evaluation:council_detail", args=[d.council_id])).status_code == 404
    # A council member of another province and a province officer of another province: 404 too.
    far = client_of(make_user(Role.PROVINCE_OFFICER, province_id="01"))
    for url in (_pages(d)[1], *_pages(d)[3:]):
        assert far.get(url).status_code == 404, url
    assert far.get(_pages(d)[2]).status_code == 403  # the score page is for council members only


def test_history_never_holds_points(scene):
    d, a = scene["d"], scene["a"]
    sheet_events = AuditEvent.objects.filter(object_id=str(scene["sheet_a"].pk), actor=a.user)
    assert sheet_events.exists()
    # Nothing on the dossier's own history says who scored.
    dossier_type = ContentType.objects.get_for_model(Dossier)
    assert not AuditEvent.objects.filter(
        content_type=dossier_type, object_id=str(d.pk), actor__in=[a.user, scene["c"].user]
    ).exists()
    for event in AuditEvent.objects.all():
        text = str(event.changes) + event.note
        assert (
            "total" not in text
            and "answers" not in text
            and SECRET_A not in text
            and SECRET_DRAFT not in text
        )
