"""Each actor's inbox: what waits on them, with deadlines, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ocop.accounts.models import Role
from ocop.certificates.models import Certificate, CertificateStatus
from ocop.evaluation import inbox
from ocop.evaluation.models import Idea, MemberRole, MemberScore
from ocop.evaluation.workflow import DossierStatus as S
from tests.evaluation.factories import RoundFactory, council, document, dossier_at
from tests.factories import ProducerFactory, ProductFactory, commune, make_user, other_commune

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 9, 15)


def keys(sections, key):
    section = next(s for s in sections if s.key == key)
    return [item.obj.pk for item in section.items]


def section(sections, key):
    return next(s for s in sections if s.key == key)


_numbers = itertools.count(1)


def certificate(product, expires_on, status=CertificateStatus.VALID):
    return Certificate.objects.create(
        number=f"{next(_numbers):04d}/OCOP-80",
        product=product,
        producer=product.producer,
        province_id=product.producer.commune.province_id,
        decision_number="12/QĐ-UBND",
        decision_date=expires_on - dt.timedelta(days=36 * 30),
        stars=4,
        product_name=product.name_vi,
        producer_name=product.producer.name,
        issued_on=expires_on - dt.timedelta(days=36 * 30),
        expires_on=expires_on,
        status=status,
    )


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


# --- producer --------------------------------------------------------------------------------------


def test_producer_inbox():
    producer = ProducerFactory()
    user = make_user(Role.PRODUCER, producer=producer)
    draft = dossier_at(S.DRAFT, product=ProductFactory(producer=producer))
    returned = dossier_at(S.RETURNED, product=ProductFactory(producer=producer))
    returned.return_reason = "Thiếu nhãn sản phẩm"
    returned.save()
    dossier_at(S.SUBMITTED, product=ProductFactory(producer=producer))  # waits on the commune, not on them
    dossier_at(S.DRAFT)  # someone else's
    soon = document(producer, expires_on=TODAY + dt.timedelta(days=20))
    expired = document(producer, expires_on=TODAY - dt.timedelta(days=1))
    document(producer, expires_on=TODAY + dt.timedelta(days=400))
    document(producer)  # no expiry
    document(ProducerFactory(), expires_on=TODAY + dt.timedelta(days=5))
    in_window = certificate(ProductFactory(producer=producer), TODAY + dt.timedelta(days=150))  # window open
    late = certificate(
        ProductFactory(producer=producer), TODAY + dt.timedelta(days=60)
    )  # window closed, valid
    certificate(ProductFactory(producer=producer), TODAY + dt.timedelta(days=300))  # too early
    certificate(ProductFactory(producer=producer), TODAY + dt.timedelta(days=150), CertificateStatus.REVOKED)

    sections = inbox.sections(user, TODAY)
    assert keys(sections, "drafts") == [draft.pk]
    assert keys(sections, "returned") == [returned.pk]
    assert keys(sections, "documents") == [expired.pk, soon.pk]
    docs = section(sections, "documents").items
    assert docs[0].overdue and not docs[1].overdue and docs[1].days_left == 20
    certs = section(sections, "certificates").items
    assert [c.obj.pk for c in certs] == [late.pk, in_window.pk]
    assert certs[1].note == "open" and certs[1].deadline == in_window.expires_on - dt.timedelta(days=120)
    assert certs[0].note == "late"


# --- commune ---------------------------------------------------------------------------------------


def test_commune_inbox_puts_overdue_first():
    user = make_user(Role.COMMUNE_OFFICER, commune=commune())
    recent = dossier_at(S.SUBMITTED, received_on=dt.date(2026, 9, 10))
    old = dossier_at(S.SUBMITTED, received_on=dt.date(2026, 8, 1))
    dossier_at(S.AT_PROVINCE)
    elsewhere = ProducerFactory(commune=other_commune(commune()))
    dossier_at(S.SUBMITTED, product=ProductFactory(producer=elsewhere))
    idea = Idea.objects.create(producer=ProducerFactory(), title="Mắm cá linh")
    Idea.objects.create(producer=elsewhere, title="Không phải của xã")
    Idea.objects.create(producer=ProducerFactory(), title="Đã nhận", status="accepted")

    sections = inbox.sections(user, TODAY)
    items = section(sections, "submitted").items
    assert [i.obj.pk for i in items] == [old.pk, recent.pk]
    assert items[0].overdue and items[0].days_left < 0
    assert items[1].deadline == recent.commune_deadline and not items[1].overdue
    assert items[1].days_left == inbox.default_calendar().working_days_between(TODAY, recent.commune_deadline)
    assert keys(sections, "ideas") == [idea.pk]


# --- province --------------------------------------------------------------------------------------


def test_province_inbox():
    user = make_user(Role.PROVINCE_OFFICER)
    late_round = RoundFactory(commune_cutoff=dt.date(2026, 9, 1), decision_due=dt.date(2026, 9, 10))
    waiting = dossier_at(S.AT_PROVINCE)
    checked = dossier_at(S.CHECKED)
    scored = dossier_at(S.SCORED)
    central = dossier_at(S.CENTRAL_SCORED)
    overdue = dossier_at(S.IN_COUNCIL, round_=late_round)
    dossier_at(S.SUBMITTED, round_=late_round)  # the commune's, not the province's
    dossier_at(S.RECOGNISED, round_=late_round)  # finished
    foreign_product = ProductFactory(producer=ProducerFactory(commune=commune(province="01")))
    dossier_at(S.AT_PROVINCE, product=foreign_product)
    expiring = certificate(ProductFactory(), TODAY + dt.timedelta(days=100))
    certificate(ProductFactory(), TODAY + dt.timedelta(days=400))
    certificate(foreign_product, TODAY + dt.timedelta(days=10))

    sections = inbox.sections(user, TODAY)
    assert keys(sections, "awaiting_council") == [waiting.pk, checked.pk]
    assert keys(sections, "awaiting_decision") == [scored.pk, central.pk]
    assert keys(sections, "overdue") == [overdue.pk]
    assert section(sections, "overdue").items[0].deadline == dt.date(2026, 9, 10)
    assert keys(sections, "certificates") == [expiring.pk]


# --- council ---------------------------------------------------------------------------------------


def test_council_member_inbox_and_chair_ready_to_close():
    round_ = RoundFactory()
    c = council(round_, members=4)
    seats = list(c.members.order_by("id"))
    chair, member = seats[0], seats[1]
    mine = dossier_at(S.IN_COUNCIL, round_=round_, council_=c)
    rescoring = dossier_at(S.RESCORING, round_=round_, council_=c)
    rescoring.scoring_round = 2
    rescoring.save()
    done = dossier_at(S.IN_COUNCIL, round_=round_, council_=c)
    conflicted = dossier_at(S.IN_COUNCIL, round_=round_, council_=c)
    member.conflicts.add(conflicted.producer)
    dossier_at(S.IN_COUNCIL)  # another council
    now = timezone.now()
    MemberScore.objects.create(dossier=done, member=member, submitted_at=now)
    MemberScore.objects.create(dossier=mine, member=member, submitted_at=None)  # a draft still waits
    MemberScore.objects.create(
        dossier=rescoring, member=member, scoring_round=1, submitted_at=now
    )  # old round

    sections = inbox.sections(member.user, TODAY)
    assert sorted(keys(sections, "to_score")) == sorted([mine.pk, rescoring.pk])
    assert keys(sections, "ready_to_close") == []

    # 3 of 4 scorers is 75 %: the chair may close `done`.
    for seat in (chair, seats[2]):
        MemberScore.objects.create(dossier=done, member=seat, submitted_at=now)
    chair_sections = inbox.sections(chair.user, TODAY)
    assert keys(chair_sections, "ready_to_close") == [done.pk]
    assert section(chair_sections, "ready_to_close").items[0].note == "3/4"
    assert done.pk not in keys(chair_sections, "to_score")
    # An advisor scores nothing.
    advisor = council(round_, members=1, advisors=1).members.get(role=MemberRole.ADVISOR)
    assert keys(inbox.sections(advisor.user, TODAY), "to_score") == []


def test_ministry_inbox():
    user = make_user(Role.MINISTRY)
    forwarded = dossier_at(S.AT_MINISTRY)
    dossier_at(S.CENTRAL_SCORED)
    assert keys(inbox.sections(user, TODAY), "at_ministry") == [forwarded.pk]


# --- fixed query counts ----------------------------------------------------------------------------


def _grow(role, user, n):
    if role == Role.PRODUCER:
        for _ in range(n):
            dossier_at(S.DRAFT, product=ProductFactory(producer=user.producer))
            document(user.producer, expires_on=TODAY + dt.timedelta(days=10))
            certificate(ProductFactory(producer=user.producer), TODAY + dt.timedelta(days=150))
    elif role == Role.COMMUNE_OFFICER:
        for _ in range(n):
            dossier_at(S.SUBMITTED)
            Idea.objects.create(producer=ProducerFactory(), title="Ý tưởng")
    elif role == Role.PROVINCE_OFFICER:
        for status in (S.AT_PROVINCE, S.SCORED) * n:
            dossier_at(status)
        for _ in range(n):
            certificate(ProductFactory(), TODAY + dt.timedelta(days=30))
    elif role == Role.COUNCIL_MEMBER:
        seat = user.council_seats.get()
        for i in range(n):
            d = dossier_at(S.IN_COUNCIL, round_=seat.council.round, council_=seat.council)
            if i % 2:  # every sheet in: ready for the chair to close
                for member in seat.council.members.all():
                    MemberScore.objects.create(dossier=d, member=member, submitted_at=timezone.now())
    elif role == Role.MINISTRY:
        for _ in range(n):
            dossier_at(S.AT_MINISTRY)


@pytest.mark.parametrize(
    "role",
    [Role.PRODUCER, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.COUNCIL_MEMBER, Role.MINISTRY],
)
def test_inbox_query_count_is_fixed(role, client_of, monkeypatch):
    monkeypatch.setattr(inbox, "local_today", lambda: TODAY)
    if role == Role.COUNCIL_MEMBER:
        user = council(RoundFactory()).members.get(role=MemberRole.CHAIR).user
    else:
        user = make_user(role)
    c = client_of(user)
    url = reverse("evaluation:inbox")
    _grow(role, user, 2)
    c.get(url)
    small = count_queries(lambda: c.get(url))
    _grow(role, user, 8)
    response = c.get(url)
    assert response.status_code == 200
    assert count_queries(lambda: c.get(url)) == small
    assert sum(s.count for s in response.context["sections"]) >= 10
    if role == Role.COUNCIL_MEMBER:
        assert section(response.context["sections"], "ready_to_close").count == 5


def test_inbox_page(client_of, client, monkeypatch):
    monkeypatch.setattr(inbox, "local_today", lambda: TODAY)
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune())
    dossier = dossier_at(S.SUBMITTED, received_on=dt.date(2026, 8, 1))
    html = client_of(officer).get(reverse("evaluation:inbox")).content.decode()
    assert dossier.product.name_vi in html
    assert reverse("evaluation:commune_review", args=[dossier.pk]) in html
    assert dossier.commune_deadline.strftime("%d/%m/%Y") in html and 'class="overdue"' in html
    for role in (Role.PRODUCER, Role.PROVINCE_OFFICER, Role.COUNCIL_MEMBER, Role.MINISTRY):
        assert client_of(make_user(role)).get(reverse("evaluation:inbox")).status_code == 200
    assert client_of(make_user(Role.INTEGRATOR)).get(reverse("evaluation:inbox")).status_code == 403
    assert client.get(reverse("evaluation:inbox")).status_code == 302


def test_counts_for_the_home_page():
    user = make_user(Role.MINISTRY)
    dossier_at(S.AT_MINISTRY)
    assert inbox.counts(user, TODAY) == {"at_ministry": 1}


def test_ready_to_close_follows_the_closing_rule_exactly():
    """'Ready to close' means the chair's close would pass: enough sheets (ceil(quorum × eligible)), the
    chair's own sheet among them, and sheets of members linked to the producer not counted."""
    round_ = RoundFactory()
    c = council(round_, members=10)
    c.quorum = "0.70"
    c.save()
    seats = list(c.members.order_by("role", "id"))
    chair = next(s for s in seats if s.role == MemberRole.CHAIR)
    others = [s for s in seats if s is not chair]
    d = dossier_at(S.IN_COUNCIL, round_=round_, council_=c)
    now = timezone.now()
    for seat in others[:7]:
        MemberScore.objects.create(dossier=d, member=seat, submitted_at=now)
    # 7 of 10, but not the chair: the close would be refused.
    assert keys(inbox.sections(chair.user, TODAY), "ready_to_close") == []
    MemberScore.objects.filter(member=others[6]).delete()
    MemberScore.objects.create(dossier=d, member=chair, submitted_at=now)
    assert keys(inbox.sections(chair.user, TODAY), "ready_to_close") == [d.pk]
    assert section(inbox.sections(chair.user, TODAY), "ready_to_close").items[0].note == "7/10"
    # One of the seven is found linked to the producer: 6 counted sheets of 9 eligible, 7 needed.
    others[0].conflicts.add(d.producer)
    assert keys(inbox.sections(chair.user, TODAY), "ready_to_close") == []


def test_council_inbox_links_to_the_members_sheet(client_of):
    d = dossier_at(S.IN_COUNCIL)
    member = d.council.members.filter(role=MemberRole.MEMBER).first()
    html = client_of(member.user).get(reverse("evaluation:inbox")).content.decode()
    assert reverse("evaluation:score", args=[d.pk]) in html
