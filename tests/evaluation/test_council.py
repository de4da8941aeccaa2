"""Council pages: who may open them, setting up a council through the page, a member's sheet through
the page (draft, submit, frozen), the chair's actions, and forged POSTs that change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.core import audit
from ocop.core.models import AuditEvent
from ocop.evaluation.models import Council, CouncilMember, DossierAttachment, MemberRole, MemberScore
from ocop.evaluation.selectors import council as sel
from ocop.evaluation.services import council as svc
from ocop.evaluation.workflow import DossierStatus as S
from tests.evaluation.factories import council, document, dossier_at
from tests.evaluation.test_scoring import answers_totalling, comp_of, fresh, scoring_members, submit
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def officer(province="80"):
    return make_user(Role.PROVINCE_OFFICER, province_id=province)


def form_data(dossier, total: int | None = None, answers: dict | None = None, **extra) -> dict:
    answers = answers if answers is not None else answers_totalling(comp_of(dossier), total)
    data = {f"c-{code}": str(points) for code, points in answers.items()}
    data.update(extra)
    return data


# ------------------------------------------------------------------------------------------ access


def test_council_list_scoped_and_fixed_queries(client_of, django_assert_max_num_queries):
    d = dossier_at(S.IN_COUNCIL)
    mine = d.council
    other_province = dossier_at(S.CHECKED)
    other_province.round.province_id = "01"
    other_province.round.save()
    foreign = council(other_province.round, members=2)
    off = officer()
    page = client_of(off).get(reverse("evaluation:council_list"))
    assert page.status_code == 200
    assert mine.name in page.content.decode() and reverse(
        "evaluation:council_detail", args=[foreign.pk]
    ) not in (page.content.decode())
    chair = scoring_members(d)[0]
    page = client_of(chair.user).get(reverse("evaluation:council_list"))
    assert (
        page.status_code == 200
        and reverse("evaluation:council_detail", args=[mine.pk]) in page.content.decode()
    )
    assert reverse("evaluation:council_detail", args=[foreign.pk]) not in page.content.decode()
    client = client_of(off)
    with django_assert_max_num_queries(8) as small:
        client.get(reverse("evaluation:council_list"))
    for _ in range(5):
        council(d.round, members=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("evaluation:council_list")).status_code == 200


def test_council_detail_fixed_queries(client_of, django_assert_max_num_queries):
    d = dossier_at(S.IN_COUNCIL)
    client = client_of(officer())
    url = reverse("evaluation:council_detail", args=[d.council_id])
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    for _ in range(4):
        more = dossier_at(S.IN_COUNCIL, round_=d.round, council_=d.council)
        dossier_at(S.CHECKED, round_=d.round)
        seat = CouncilMember.objects.create(council=d.council, user=make_user(Role.COUNCIL_MEMBER))
        seat.conflicts.add(more.producer)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url)
    assert page.status_code == 200 and len(page.context["progress"]) == 5


def test_officer_sees_open_rounds_to_set_up_a_council(client_of):
    d = dossier_at(S.CHECKED)
    page = client_of(officer()).get(reverse("evaluation:council_list"))
    assert reverse("evaluation:council_create", args=[d.round_id]) in page.content.decode()
    page = client_of(officer("01")).get(reverse("evaluation:council_list"))
    assert reverse("evaluation:council_create", args=[d.round_id]) not in page.content.decode()


@pytest.mark.parametrize("role", [Role.COMMUNE_OFFICER, Role.PRODUCER, Role.MINISTRY])
def test_other_roles_refused(client_of, role):
    d = dossier_at(S.IN_COUNCIL)
    client = client_of(make_user(role))
    for name, args in (
        ("council_list", []),
        ("council_create", [d.round_id]),
        ("council_detail", [d.council_id]),
        ("score", [d.pk]),
        ("scoring", [d.pk]),
        ("discussion", [d.pk]),
    ):
        assert client.get(reverse(f"evaluation:{name}", args=args)).status_code == 403, name


def test_anonymous_redirected(client):
    d = dossier_at(S.IN_COUNCIL)
    for name, args in (
        ("council_list", []),
        ("council_create", [d.round_id]),
        ("council_detail", [d.council_id]),
        ("score", [d.pk]),
        ("scoring", [d.pk]),
        ("discussion", [d.pk]),
    ):
        response = client.get(reverse(f"evaluation:{name}", args=args))
        assert response.status_code == 302 and "/login" in response["Location"], name


def test_council_detail_scope(client_of):
    d = dossier_at(S.IN_COUNCIL)
    url = reverse("evaluation:council_detail", args=[d.council_id])
    assert client_of(officer()).get(url).status_code == 200
    assert client_of(officer("01")).get(url).status_code == 404
    chair = scoring_members(d)[0]
    assert client_of(chair.user).get(url).status_code == 200
    outsider = CouncilMember.objects.filter(council=council(d.round)).first().user
    assert client_of(outsider).get(url).status_code == 404
    # A member may not change the council.
    response = client_of(chair.user).post(url, {"action": "assign", "dossiers": []})
    assert response.status_code == 403


# ------------------------------------------------------------------------------------------ setting up


def test_create_council_page(client_of):
    d = dossier_at(S.CHECKED)
    url = reverse("evaluation:council_create", args=[d.round_id])
    off = officer()
    assert client_of(off).get(url).status_code == 200
    assert client_of(officer("01")).get(url).status_code == 404
    assert client_of(scoring_members(dossier_at(S.IN_COUNCIL))[0].user).get(url).status_code == 403
    response = client_of(off).post(
        url,
        {
            "name": "Hội đồng OCOP tỉnh",
            "decision_number": "15/QĐ-UBND",
            "quorum": "1.5",
            "spread_limit": "10",
        },
    )
    assert response.status_code == 400 and not Council.objects.filter(name="Hội đồng OCOP tỉnh").exists()
    response = client_of(off).post(
        url,
        {
            "name": "Hội đồng OCOP tỉnh",
            "decision_number": "15/QĐ-UBND",
            "quorum": "0.75",
            "spread_limit": "10",
        },
    )
    c = Council.objects.get(name="Hội đồng OCOP tỉnh")
    assert response.status_code == 302 and response["Location"] == reverse(
        "evaluation:council_detail", args=[c.pk]
    )


def test_members_conflicts_and_assignment_through_the_page(client_of):
    d = dossier_at(S.CHECKED)
    off = officer()
    c = svc.create_council(off, d.round, name="Hội đồng thử")
    url = reverse("evaluation:council_detail", args=[c.pk])
    client = client_of(off)
    users = [make_user(Role.COUNCIL_MEMBER) for _ in range(3)]
    # Assigning before there is a chair: refused, nothing changes.
    response = client.post(url, {"action": "assign", "dossiers": [d.pk]})
    assert response.status_code == 400
    assert fresh(d).status == S.CHECKED and fresh(d).council_id is None
    for user, role in zip(users, ("chair", "member", "member"), strict=True):
        assert (
            client.post(
                url, {"action": "member", "user": user.pk, "role": role, "department": "Sở"}
            ).status_code
            == 302
        )
    assert CouncilMember.objects.filter(council=c).count() == 3
    # A second chair is refused.
    extra = make_user(Role.COUNCIL_MEMBER)
    assert client.post(url, {"action": "member", "user": extra.pk, "role": "chair"}).status_code == 400
    assert CouncilMember.objects.filter(council=c).count() == 3
    seat = CouncilMember.objects.get(council=c, user=users[2])
    response = client.post(
        url, {"action": "conflict", "member": seat.pk, "producers": [d.producer_id], "note": "Cổ đông"}
    )
    assert response.status_code == 302 and list(seat.conflicts.all()) == [d.producer]
    # Two of three able to score, the quorum of the council needs 3: refused.
    assert client.post(url, {"action": "assign", "dossiers": [d.pk]}).status_code == 400
    assert fresh(d).status == S.CHECKED
    seat.conflicts.clear()
    assert client.post(url, {"action": "assign", "dossiers": [d.pk]}).status_code == 302
    d = fresh(d)
    assert d.status == S.IN_COUNCIL and d.council_id == c.pk and d.scoring_round == 1
    page = client.get(url).content.decode()
    assert d.product.name_vi in page


def test_forged_assignment_of_another_rounds_dossier_changes_nothing(client_of):
    d = dossier_at(S.CHECKED)
    other = dossier_at(S.CHECKED)
    c = council(d.round, members=3)
    response = client_of(officer()).post(
        reverse("evaluation:council_detail", args=[c.pk]), {"action": "assign", "dossiers": [other.pk]}
    )
    assert response.status_code == 400
    assert fresh(other).status == S.CHECKED and fresh(other).council_id is None


# ------------------------------------------------------------------------------------------ a member's sheet


def test_score_page_draft_submit_frozen(client_of):
    d = dossier_at(S.IN_COUNCIL)
    chair = scoring_members(d)[0]
    client = client_of(chair.user)
    url = reverse("evaluation:score", args=[d.pk])
    page = client.get(url)
    assert page.status_code == 200
    comp = comp_of(d)
    first = comp.criteria[0]
    assert first.options[0].text_vi in page.content.decode()  # official wording
    att = DossierAttachment.objects.create(dossier=d, document=document(d.producer), kind="label")
    partial = {first.code: first.allowed_sorted[-1]}
    response = client.post(url, form_data(d, answers=partial, **{f"ev-{first.code}": [att.pk], "save": "1"}))
    assert response.status_code == 302
    sheet = MemberScore.objects.get(member=chair)
    assert sheet.submitted_at is None and sheet.evidence == {first.code: [att.pk]}
    # Submitting an incomplete sheet is refused and the draft stays as it was.
    response = client.post(url, form_data(d, answers=partial, submit="1"))
    assert response.status_code == 400 and fresh(sheet).submitted_at is None
    response = client.post(url, form_data(d, 70, submit="1", **{f"cm-{first.code}": "Nhãn đầy đủ"}))
    assert response.status_code == 302
    sheet = fresh(sheet)
    assert (
        sheet.submitted_at is not None and sheet.total == 70 and sheet.comments == {first.code: "Nhãn đầy đủ"}
    )
    page = client.get(url).content.decode()
    assert 'id="score-frozen"' in page and "disabled" in page
    response = client.post(url, form_data(d, 50, submit="1"))
    assert response.status_code == 302
    assert fresh(sheet).total == 70


def test_forged_evidence_id_from_another_dossier_refused(client_of):
    d = dossier_at(S.IN_COUNCIL)
    other = dossier_at(S.IN_COUNCIL)
    theirs = DossierAttachment.objects.create(dossier=other, document=document(other.producer), kind="label")
    chair = scoring_members(d)[0]
    code = comp_of(d).criteria[0].code
    response = client_of(chair.user).post(
        reverse("evaluation:score", args=[d.pk]), form_data(d, 70, submit="1", **{f"ev-{code}": [theirs.pk]})
    )
    assert response.status_code == 400
    assert not MemberScore.objects.exists()


def test_advisor_and_conflicted_refused_with_a_message(client_of):
    d = dossier_at(S.IN_COUNCIL)
    advisor = CouncilMember.objects.create(
        council=d.council, user=make_user(Role.COUNCIL_MEMBER), role=MemberRole.ADVISOR
    )
    url = reverse("evaluation:score", args=[d.pk])
    response = client_of(advisor.user).get(url)
    assert response.status_code == 403 and 'id="score-refused"' in response.content.decode()
    response = client_of(advisor.user).post(url, form_data(d, 70, submit="1"))
    assert response.status_code == 403
    m2 = scoring_members(d)[2]
    m2.conflicts.add(d.producer)
    response = client_of(m2.user).post(url, form_data(d, 70, submit="1"))
    assert response.status_code == 403 and 'id="score-refused"' in response.content.decode()
    assert not MemberScore.objects.exists()


def test_unassigned_council_member_refused_nothing_changed(client_of):
    d = dossier_at(S.IN_COUNCIL)
    outsider = CouncilMember.objects.filter(council=council(d.round)).first().user
    response = client_of(outsider).post(
        reverse("evaluation:score", args=[d.pk]), form_data(d, 70, submit="1")
    )
    assert response.status_code == 404
    assert not MemberScore.objects.exists() and fresh(d).status == S.IN_COUNCIL
    response = client_of(outsider).post(reverse("evaluation:scoring", args=[d.pk]), {"action": "close"})
    assert response.status_code == 404 and fresh(d).status == S.IN_COUNCIL


def test_closed_dossier_cannot_be_scored_through_the_page(client_of):
    d = dossier_at(S.SCORED)
    m = scoring_members(d)[1]
    response = client_of(m.user).post(reverse("evaluation:score", args=[d.pk]), form_data(d, 90, submit="1"))
    assert response.status_code == 409
    assert not MemberScore.objects.exists()
    assert fresh(d).points == d.points and fresh(d).status == S.SCORED


# ------------------------------------------------------------------------------------------ the chair


def test_chair_closes_through_the_page(client_of):
    d = dossier_at(S.IN_COUNCIL)
    chair, m1, m2 = scoring_members(d)
    url = reverse("evaluation:scoring", args=[d.pk])
    # A member is not the chair: 403 and nothing changes.
    for m in (chair, m1, m2):
        submit(m, d, 70)
    assert client_of(m1.user).post(url, {"action": "close"}).status_code == 403
    assert fresh(d).status == S.IN_COUNCIL
    page = client_of(chair.user).get(url).content.decode()
    assert str(m1.user) in page and 'id="close-scoring"' in page
    response = client_of(chair.user).post(url, {"action": "close"})
    assert response.status_code == 302
    d = fresh(d)
    assert d.status == S.SCORED and str(d.points) == "70.00"
    page = client_of(m1.user).get(url).content.decode()
    assert 'id="result"' in page


def test_chair_close_without_quorum_shows_why(client_of):
    d = dossier_at(S.IN_COUNCIL)
    chair = scoring_members(d)[0]
    submit(chair, d, 70)
    response = client_of(chair.user).post(reverse("evaluation:scoring", args=[d.pk]), {"action": "close"})
    assert response.status_code == 400
    assert fresh(d).status == S.IN_COUNCIL and fresh(d).closed_at is None


def test_chair_spread_redirects_to_discussion_and_send_back(client_of):
    d = dossier_at(S.IN_COUNCIL)
    chair, m1, m2 = scoring_members(d)
    for m, t in ((chair, 60), (m1, 66), (m2, 72)):
        submit(m, d, t)
    response = client_of(chair.user).post(reverse("evaluation:scoring", args=[d.pk]), {"action": "close"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "evaluation:discussion", args=[d.pk]
    )
    assert fresh(d).status == S.RESCORING and fresh(d).scoring_round == 2
    # Round 2 starts from the member's own round-1 sheet.
    page = client_of(m1.user).get(reverse("evaluation:score", args=[d.pk])).content.decode()
    assert 'id="from-previous"' in page
    # The chair sends back explicitly: a reason is needed.
    url = reverse("evaluation:scoring", args=[d.pk])
    assert client_of(chair.user).post(url, {"action": "rescore", "note": ""}).status_code == 400
    assert fresh(d).scoring_round == 2
    # Round 2 is the last allowed (OCOP_MAX_SCORING_ROUNDS): no send-back button; a forged one is refused.
    page = client_of(chair.user).get(url).content.decode()
    assert 'id="send-back"' not in page and 'id="last-round"' in page and 'id="close-scoring"' in page
    response = client_of(chair.user).post(url, {"action": "rescore", "note": "Thảo luận lại"}, follow=True)
    assert response.status_code == 400 and fresh(d).scoring_round == 2
    assert [m for m in response.context["messages"] if m.level_tag == "error" and "(2)" in str(m)]


# ------------------------------------------------------------------------------------- seats and conflicts


def _audit_count() -> int:
    return AuditEvent.objects.count()


def test_chair_conflict_refused_while_the_council_scores_the_producer():
    """Recorded after assignment, a chair's conflict would leave the dossier unable ever to close."""
    d = dossier_at(S.IN_COUNCIL)
    chair, m1, _m2 = scoring_members(d)
    off = officer()
    events = _audit_count()
    with pytest.raises(ValidationError) as exc:
        svc.record_conflict(off, chair, [d.producer], "Họ hàng của chủ cơ sở")
    assert [e.code for e in exc.value.error_list] == ["chair_conflict_while_scoring"]
    assert d.producer.name in exc.value.messages[0]
    assert list(fresh(chair).conflicts.all()) == [] and fresh(chair).conflict_note == ""
    assert _audit_count() == events
    # A member's conflict is still recorded; a chair's conflict on another producer too.
    svc.record_conflict(off, m1, [d.producer], "Cổ đông")
    other = dossier_at(S.CHECKED, round_=d.round)
    svc.record_conflict(off, chair, [other.producer], "Họ hàng")
    assert list(fresh(chair).conflicts.all()) == [other.producer]
    # Once the scoring is closed, the conflict can be put on record.
    d.status, d.closed_at = S.SCORED, d.sent_to_province_at
    d.save()
    svc.record_conflict(off, chair, [d.producer], "Họ hàng của chủ cơ sở")
    assert d.producer in fresh(chair).conflicts.all()


def test_chair_replaced_then_conflict_recorded_and_the_dossier_closes():
    """The way out the refusal names: remove the chair's seat, seat another chair, seat the person again as
    a member with the conflict; the dossier then closes under the new chair."""
    d = dossier_at(S.IN_COUNCIL)
    chair, m1, m2 = scoring_members(d)
    off = officer()
    svc.remove_member(off, chair)
    new_chair = svc.add_member(off, d.council, make_user(Role.COUNCIL_MEMBER), role=MemberRole.CHAIR)
    again = svc.add_member(off, d.council, chair.user, role=MemberRole.MEMBER)
    svc.record_conflict(off, again, [d.producer], "Họ hàng của chủ cơ sở")
    for m in (new_chair, m1, m2):
        submit(m, d, 70)
    outcome = svc.close_scoring(new_chair.user, d)
    assert not outcome.rescored and fresh(d).status == S.SCORED


def test_remove_member_refused_after_a_submitted_sheet_and_nothing_changes():
    d = dossier_at(S.IN_COUNCIL)
    chair, m1, m2 = scoring_members(d)
    off = officer()
    submit(m1, d, 70)
    events = _audit_count()
    with pytest.raises(ValidationError) as exc:
        svc.remove_member(off, m1)
    assert [e.code for e in exc.value.error_list] == ["submitted_open"]
    assert CouncilMember.objects.filter(pk=m1.pk).exists() and MemberScore.objects.filter(member=m1).exists()
    assert _audit_count() == events
    # After the close the sheet is the record: still refused.
    submit(chair, d, 70)
    submit(m2, d, 70)
    svc.close_scoring(chair.user, d)
    events = _audit_count()
    with pytest.raises(ValidationError) as exc:
        svc.remove_member(off, m1)
    assert [e.code for e in exc.value.error_list] == ["submitted_closed"]
    assert CouncilMember.objects.filter(pk=m1.pk).exists() and _audit_count() == events


def test_remove_member_with_a_draft_only_is_audited():
    d = dossier_at(S.IN_COUNCIL)
    _chair, _m1, m2 = scoring_members(d)
    svc.save_sheet(m2.user, d, answers={})  # a draft
    off = officer()
    with pytest.raises(PermissionDenied):
        svc.remove_member(officer("01"), m2)
    with pytest.raises(PermissionDenied):
        svc.remove_member(scoring_members(d)[0].user, m2)
    assert CouncilMember.objects.filter(pk=m2.pk).exists()
    svc.remove_member(off, m2)
    assert not CouncilMember.objects.filter(pk=m2.pk).exists()
    assert not MemberScore.objects.filter(dossier=d).exists()
    event = audit.history(d.council).first()
    assert event.actor == off and event.changes["member"][1] is None
    assert str(m2.user) in event.changes["member"][0]
    assert sel.quorum(fresh(d)).required == 2  # ceil(0.75 × 2)


def test_remove_conflict_makes_the_member_eligible_again_and_is_audited():
    d = dossier_at(S.IN_COUNCIL)
    _chair, _m1, m2 = scoring_members(d)
    off = officer()
    svc.record_conflict(off, m2, [d.producer], "Cổ đông")
    assert len(sel.quorum(fresh(d)).eligible) == 2
    with pytest.raises(PermissionDenied):
        svc.remove_conflict(officer("01"), m2, d.producer)
    other = dossier_at(S.CHECKED, round_=d.round)
    events = _audit_count()
    with pytest.raises(ValidationError) as exc:
        svc.remove_conflict(off, m2, other.producer)
    assert [e.code for e in exc.value.error_list] == ["no_conflict"]
    assert _audit_count() == events and list(fresh(m2).conflicts.all()) == [d.producer]
    svc.remove_conflict(off, m2, d.producer)
    m2 = fresh(m2)
    assert list(m2.conflicts.all()) == [] and m2.conflict_note == ""
    assert len(sel.quorum(fresh(d)).eligible) == 3
    assert audit.history(d.council).first().changes == {f"conflicts of {m2.user}": [[str(d.producer)], []]}


def test_remove_member_and_conflict_through_the_page(client_of):
    d = dossier_at(S.IN_COUNCIL)
    chair, m1, m2 = scoring_members(d)
    m2.conflicts.add(d.producer)
    url = reverse("evaluation:council_detail", args=[d.council_id])
    client = client_of(officer())
    page = client.get(url).content.decode()
    assert f'id="remove-{m1.pk}"' in page and f'id="withdraw-{m2.pk}-{d.producer_id}"' in page
    assert 'id="remove-' not in client_of(chair.user).get(url).content.decode()
    # A member may not; a seat of another council is not on the form: nothing changes.
    assert client_of(chair.user).post(url, {"action": "remove_member", "member": m1.pk}).status_code == 403
    foreign = CouncilMember.objects.filter(council=council(d.round)).first()
    events = _audit_count()
    assert client.post(url, {"action": "remove_member", "member": foreign.pk}).status_code == 400
    assert client.post(url, {"action": "remove_conflict", "member": m2.pk}).status_code == 400
    assert CouncilMember.objects.filter(pk=foreign.pk).exists() and _audit_count() == events
    # Refused by the service: the message says why, nothing changes.
    submit(m1, d, 70)
    response = client.post(url, {"action": "remove_member", "member": m1.pk}, follow=True)
    assert response.status_code == 400 and CouncilMember.objects.filter(pk=m1.pk).exists()
    assert str(m1.user) in response.content.decode()
    assert (
        client.post(
            url, {"action": "remove_conflict", "member": m2.pk, "producer": d.producer_id}
        ).status_code
        == 302
    )
    assert list(fresh(m2).conflicts.all()) == []
    assert client.post(url, {"action": "remove_member", "member": m2.pk}).status_code == 302
    assert not CouncilMember.objects.filter(pk=m2.pk).exists()


def test_no_council_for_a_closed_round(client_of):
    from ocop.evaluation.models import RoundStatus

    d = dossier_at(S.CHECKED)
    d.round.status = RoundStatus.CLOSED
    d.round.save()
    events = _audit_count()
    with pytest.raises(ValidationError) as exc:
        svc.create_council(officer(), d.round, name="Hội đồng muộn")
    assert [e.code for e in exc.value.error_list] == ["round_closed"]
    response = client_of(officer()).post(
        reverse("evaluation:council_create", args=[d.round_id]),
        {"name": "Hội đồng muộn", "quorum": "0.75", "spread_limit": "10"},
    )
    assert response.status_code == 400
    assert not Council.objects.filter(name="Hội đồng muộn").exists() and _audit_count() == events


@pytest.mark.parametrize("page", ["scoring", "discussion"])
def test_scoring_and_discussion_pages_fixed_queries(client_of, django_assert_max_num_queries, page):
    def closed(members: int):
        d = dossier_at(S.IN_COUNCIL, council_=None)
        if members != 3:
            d.council = council(d.round, members=members)
            d.save()
        seats = scoring_members(d)
        for i, m in enumerate(seats):
            submit(m, d, 60 + i)
        svc.close_scoring(seats[0].user, d)
        return fresh(d), seats[0]

    small_d, small_chair = closed(3)
    with django_assert_max_num_queries(40) as small:
        assert (
            client_of(small_chair.user).get(reverse(f"evaluation:{page}", args=[small_d.pk])).status_code
            == 200
        )
    big_d, big_chair = closed(8)
    client = client_of(big_chair.user)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse(f"evaluation:{page}", args=[big_d.pk]))
    assert response.status_code == 200


def test_council_page_counts_only_the_sheets_the_quorum_counts(client_of):
    """A conflict recorded after the member submitted: the page's count drops, as the quorum's does."""
    d = dossier_at(S.IN_COUNCIL)
    _chair, m1, _m2 = scoring_members(d)
    submit(m1, d, 70)
    url = reverse("evaluation:council_detail", args=[d.council_id])
    row = client_of(officer()).get(url).context["progress"][0]
    assert (row["submitted"], row["eligible"]) == (1, 3)
    svc.record_conflict(officer(), m1, [d.producer], "Cổ đông")
    row = client_of(officer()).get(url).context["progress"][0]
    assert (row["submitted"], row["eligible"]) == (0, 2) == (sel.quorum(fresh(d)).submitted, 2)
