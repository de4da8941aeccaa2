"""The discussion view: the criteria where the members' sheets differ most, the widest range first,
with the evidence cited for each choice side by side; names only after the close."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.evaluation.models import DossierAttachment
from ocop.evaluation.services import council as svc
from ocop.evaluation.workflow import DossierStatus as S
from tests.evaluation.factories import document, dossier_at
from tests.evaluation.test_scoring import answers_totalling, comp_of, fresh, scoring_members
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _varied(comp, base: dict[str, int], code: str, points: int) -> dict[str, int]:
    answers = dict(base)
    answers[code] = points
    return answers


@pytest.fixture
def sent_back():
    """Three sheets that differ on two criteria (ranges 3 and 1 or more), then a spread above the limit
    (a tiny limit) sends the dossier back."""
    d = dossier_at(S.IN_COUNCIL)
    d.council.spread_limit = 0
    d.council.save()
    comp = comp_of(d)
    wide = next(c for c in comp.criteria if c.allowed_sorted[-1] - c.allowed_sorted[0] >= 3)
    narrow = next(
        c for c in comp.criteria if c.code != wide.code and c.allowed_sorted[-1] - c.allowed_sorted[0] >= 1
    )
    base = answers_totalling(comp, 60)
    label = DossierAttachment.objects.create(dossier=d, document=document(d.producer, "label"), kind="label")
    lab = DossierAttachment.objects.create(
        dossier=d, document=document(d.producer, "lab_result"), kind="lab_result"
    )
    chair, m1, m2 = scoring_members(d)
    hi, lo = wide.allowed_sorted[-1], wide.allowed_sorted[0]
    sheets = [
        (
            chair,
            {wide.code: hi, narrow.code: narrow.allowed_sorted[-1]},
            {wide.code: [label.pk]},
            "Ý kiến chủ tịch",
        ),
        (
            m1,
            {wide.code: hi, narrow.code: narrow.allowed_sorted[-1]},
            {wide.code: [label.pk, lab.pk]},
            "Ý kiến một",
        ),
        (m2, {wide.code: lo, narrow.code: narrow.allowed_sorted[0]}, {wide.code: [lab.pk]}, "Ý kiến hai"),
    ]
    for member, changes, evidence, comment in sheets:
        answers = dict(base)
        answers.update(changes)
        svc.save_sheet(
            member.user, d, answers=answers, evidence=evidence, comments={wide.code: comment}, submit=True
        )
    outcome = svc.close_scoring(chair.user, d)
    assert outcome.rescored
    return {
        "d": fresh(d),
        "wide": wide,
        "narrow": narrow,
        "label": label,
        "lab": lab,
        "seats": (chair, m1, m2),
    }


def test_nothing_to_discuss_during_the_first_round(client_of):
    d = dossier_at(S.IN_COUNCIL)
    chair = scoring_members(d)[0]
    svc.save_sheet(chair.user, d, answers=answers_totalling(comp_of(d), 70), submit=True)
    page = client_of(chair.user).get(reverse("evaluation:discussion", args=[d.pk]))
    assert page.status_code == 200
    assert page.context["round_no"] is None and page.context["rows"] == []
    assert 'id="no-discussion"' in page.content.decode()


def test_diverging_criteria_without_names_before_close(sent_back, client_of):
    d, wide, narrow = sent_back["d"], sent_back["wide"], sent_back["narrow"]
    chair, m1, m2 = sent_back["seats"]
    page = client_of(m2.user).get(reverse("evaluation:discussion", args=[d.pk]))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert rows[0].code == wide.code  # the widest range first
    assert {r.code for r in rows} == {wide.code, narrow.code}
    hi, lo = wide.allowed_sorted[-1], wide.allowed_sorted[0]
    assert rows[0].range == hi - lo
    assert rows[0].distribution == [(hi, 2), (lo, 1)]
    top, bottom = rows[0].columns
    cited_top = {e["attachment"].pk: e["times"] for e in top["evidence"]}
    assert cited_top == {sent_back["label"].pk: 2, sent_back["lab"].pk: 1}
    assert [e["attachment"].pk for e in bottom["evidence"]] == [sent_back["lab"].pk]
    assert "members" not in top and "members" not in bottom
    body = page.content.decode()
    assert str(chair.user) not in body and str(m1.user) not in body
    assert "Ý kiến" not in body  # comments only after the close
    assert reverse("evaluation:library_download", args=[sent_back["label"].document_id]) in body
    assert sent_back["label"].document.title in body


def test_the_province_sees_the_discussion_anonymously(sent_back, client_of):
    d = sent_back["d"]
    chair, m1, m2 = sent_back["seats"]
    page = client_of(make_user(Role.PROVINCE_OFFICER)).get(reverse("evaluation:discussion", args=[d.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert not [m for m in (chair, m1, m2) if str(m.user) in body]


def test_round_two_sheets_stay_hidden_and_names_appear_after_close(sent_back, client_of):
    d, wide = sent_back["d"], sent_back["wide"]
    chair, m1, m2 = sent_back["seats"]
    d.council.spread_limit = 100
    d.council.save()
    comp = comp_of(d)
    for m, t in ((chair, 61), (m1, 62), (m2, 63)):
        svc.save_sheet(m.user, d, answers=answers_totalling(comp, t), submit=True)
    # Before the close the discussion still shows round 1, not the round-2 sheets.
    page = client_of(m1.user).get(reverse("evaluation:discussion", args=[d.pk]))
    assert page.context["round_no"] == 1
    svc.close_scoring(chair.user, d)
    d = fresh(d)
    assert d.status == S.SCORED
    page = client_of(m1.user).get(reverse("evaluation:discussion", args=[d.pk]))
    assert page.context["round_no"] == 2 and page.context["names"] is True
    # The first round can be looked at after the close, with names and comments.
    page = client_of(m1.user).get(reverse("evaluation:discussion", args=[d.pk]) + "?round=1")
    assert page.context["round_no"] == 1
    rows = {r.code: r for r in page.context["rows"]}
    names = {m["name"] for c in rows[wide.code].columns for m in c["members"]}
    assert names == {str(chair.user), str(m1.user), str(m2.user)}
    body = page.content.decode()
    assert str(m2.user) in body and "Ý kiến hai" in body


def test_round_parameter_never_reaches_the_round_being_scored(sent_back, client_of):
    d = sent_back["d"]
    chair, m1, m2 = sent_back["seats"]
    svc.save_sheet(chair.user, d, answers=answers_totalling(comp_of(d), 90), submit=True)
    svc.save_sheet(m1.user, d, answers=answers_totalling(comp_of(d), 20), submit=True)
    page = client_of(m2.user).get(reverse("evaluation:discussion", args=[d.pk]) + "?round=2")
    assert page.context["round_no"] == 1


def test_a_member_found_linked_to_the_producer_is_out_of_the_discussion(sent_back, client_of):
    """A conflict recorded after a member submitted: that sheet counts for nothing, so it is not discussed,
    and the member does not read the discussion before the close."""
    d, wide = sent_back["d"], sent_back["wide"]
    chair, m1, m2 = sent_back["seats"]
    officer = make_user(Role.PROVINCE_OFFICER, province_id=d.round.province_id)
    svc.record_conflict(officer, m2, [d.producer], "Cổ đông của cơ sở")
    url = reverse("evaluation:discussion", args=[d.pk])
    assert client_of(m2.user).get(url).status_code == 403
    page = client_of(m1.user).get(url)
    assert page.status_code == 200
    # Only m2 chose the low option on the wide criterion: without m2's sheet the others agree on it.
    assert wide.code not in {r.code for r in page.context["rows"]}
