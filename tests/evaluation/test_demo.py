"""The evaluation demo data: every rated product's records agree (dossier, sheets, decision,
certificate), one certificate revoked, some in the re-evaluation window, work for the demo accounts."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.test.utils import override_settings

from ocop.accounts.models import User
from ocop.certificates.models import Certificate, CertificateStatus
from ocop.core.models import Counter
from ocop.criteria import engine
from ocop.criteria.sheets import compiled_sheet
from ocop.demo import registry as demo
from ocop.evaluation.models import (
    Council,
    Decision,
    DecisionLevel,
    Dossier,
    MemberRole,
    MemberScore,
    Round,
)
from ocop.evaluation.workflow import DossierStatus as S
from ocop.registry.models import Product, StarRating
from ocop.registry.rules import certificate_expiry as expiry

TODAY = datetime.date(2026, 11, 29)
BANDS = {3: (50, 70), 4: (70, 90), 5: (90, 101)}

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    fast_hasher = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hasher, transaction.atomic():
        summary = demo.generate(today=TODAY)
        yield summary
        transaction.set_rollback(True)


def test_every_rated_product_has_a_matching_certificate_and_recognised_dossier(demo_data):
    rated = Product.objects.filter(stars__gte=3)
    assert rated.count() == 397
    certificates = defaultdict(list)
    for c in Certificate.objects.select_related("dossier__decision"):
        certificates[c.product_id].append(c)
    for product in rated:
        current = [c for c in certificates[product.pk] if c.status != CertificateStatus.SUPERSEDED]
        assert len(current) == 1, product
        cert = current[0]
        assert cert.stars == product.stars
        rating = product.ratings.order_by("-decision_date").first()
        assert cert.decision_number == rating.decision_number == cert.dossier.decision.number
        assert cert.decision_date == rating.decision_date == cert.issued_on
        assert cert.expires_on == expiry(cert.decision_date)
        assert cert.points == rating.points == cert.dossier.points
        dossier = cert.dossier
        assert dossier.status == S.RECOGNISED and dossier.product_id == product.pk
        assert dossier.stars == product.stars
        low, high = BANDS[product.stars]
        assert low <= dossier.points < high
        assert dossier.product_code == product.ocop_code
        assert dossier.receipt_number.endswith(f"/PĐK-80-{dossier.commune_id}-{dossier.round.year}")
        assert cert.number.endswith(f"/{cert.decision_date.year}/CN-OCOP-80")
        if cert.status == CertificateStatus.VALID:
            assert cert.expires_on >= TODAY
        if cert.status == CertificateStatus.EXPIRED:
            assert cert.expires_on < TODAY
        level = DecisionLevel.MINISTRY if product.stars == 5 else DecisionLevel.PROVINCE
        assert dossier.decision.level == level


def test_every_rating_has_one_recognised_dossier(demo_data):
    assert StarRating.objects.count() == Dossier.objects.filter(status=S.RECOGNISED).count()
    assert Certificate.objects.count() == StarRating.objects.count()
    for c in Certificate.objects.filter(status=CertificateStatus.SUPERSEDED).select_related("superseded_by"):
        assert c.superseded_by.product_id == c.product_id
        assert c.superseded_by.decision_date > c.decision_date


def test_member_scores_mean_is_the_dossier_points(demo_data):
    dossiers = Dossier.objects.filter(status__in=(S.RECOGNISED, S.SCORED)).select_related(
        "sheet__criteria_set", "council"
    )
    checked = 0
    for dossier in dossiers:
        sheets = list(dossier.member_scores.filter(submitted_at__isnull=False))
        assert len(sheets) == 5, dossier
        sheet = compiled_sheet(dossier.sheet)
        for ms in sheets:
            result = engine.score(sheet, ms.answers)
            assert result.total == ms.total and result.stars == ms.stars
        combined = engine.combine(
            sheet, [ms.answers for ms in sheets], spread_limit=dossier.council.spread_limit
        )
        assert engine.display_points(combined.mean) == dossier.points
        assert sum(ms.total for ms in sheets) / len(sheets) == pytest.approx(
            dossier.points, abs=Decimal("0.01")
        )
        assert combined.stars == dossier.stars
        assert not combined.spread_exceeded
        assert dossier.result["spread"] == combined.spread
        checked += 1
    assert checked > 400


def test_one_certificate_revoked_with_ground_and_reason(demo_data):
    (revoked,) = Certificate.objects.filter(status=CertificateStatus.REVOKED)
    assert revoked.revocation_ground and revoked.revocation_reason and revoked.revoked_on
    assert revoked.revocation_decision and revoked.finding_date <= revoked.revoked_on


def test_some_certificates_in_the_reevaluation_window_and_some_expired(demo_data):
    soon = Certificate.objects.filter(
        status=CertificateStatus.VALID,
        expires_on__gte=TODAY,
        expires_on__lte=TODAY + datetime.timedelta(days=180),
    )
    assert soon.count() >= 5
    assert Certificate.objects.filter(status=CertificateStatus.EXPIRED).count() >= 5


def test_rounds_councils_and_decisions(demo_data):
    chair = User.objects.get(username="demo.council")
    years = set(Dossier.objects.values_list("round__year", flat=True))
    for year in years:
        assert Round.objects.filter(province_id="80", year=year).count() == 2
    for council in Council.objects.all():
        members = list(council.members.all())
        assert [m.user for m in members if m.role == MemberRole.CHAIR] == [chair]
        assert len(members) == 5 and all(m.department for m in members)
    numbers = list(Decision.objects.values_list("level", "number"))
    assert len(numbers) == len(set(numbers))
    assert Decision.objects.filter(level=DecisionLevel.MINISTRY).exists()


def test_demo_accounts_have_work_waiting(demo_data):
    producer_user = User.objects.get(username="demo.producer")
    commune = User.objects.get(username="demo.commune")
    province = User.objects.get(username="demo.province")
    council = User.objects.get(username="demo.council")

    own = Dossier.objects.visible_to(producer_user).exclude(status=S.RECOGNISED)
    assert set(own.values_list("status", flat=True)) == {S.DRAFT, S.SUBMITTED}

    waiting = Dossier.objects.visible_to(commune).filter(status=S.SUBMITTED)
    assert waiting.count() >= 3
    assert all(d.commune_deadline for d in waiting)
    assert sum(1 for d in waiting if d.commune_deadline < TODAY) == 1

    current = Round.objects.get(province_id="80", year=2026, kind="second_half")
    board = Dossier.objects.filter(round=current).exclude(status=S.RECOGNISED)
    assert 18 <= board.count() <= 30
    assert len(set(board.values_list("status", flat=True))) >= 6
    assert Dossier.objects.visible_to(province).filter(status__in=(S.AT_PROVINCE, S.CHECKED)).count() >= 4

    to_score = Dossier.objects.visible_to(council).filter(status=S.IN_COUNCIL)
    assert to_score.count() >= 3
    assert not MemberScore.objects.filter(dossier__in=to_score, member__user=council).exists()
    # One open dossier per product, as the database requires.
    open_products = list(
        Dossier.objects.exclude(status__in=S.finished()).values_list("product_id", flat=True)
    )
    assert len(open_products) == len(set(open_products))


def test_counters_continue_after_the_demo(demo_data):
    cert = Certificate.objects.order_by("-decision_date").first()
    year = cert.decision_date.year
    used = Certificate.objects.filter(province_id="80", decision_date__year=year).count()
    assert Counter.objects.get(key=f"certificate:80:{year}").value == used


def test_each_recognised_dossiers_steps_come_in_order_and_before_its_decision(demo_data):
    """Filed, sent, checked, closed (forwarded and scored centrally for 5★), then decided: a decision
    never predates the result it rests on, as the decision services require."""
    from django.utils import timezone

    checked = 0
    for d in Dossier.objects.filter(status=S.RECOGNISED).select_related("decision"):
        steps = [d.submitted_at, d.sent_to_province_at, d.checked_at, d.closed_at]
        if d.decision.level == DecisionLevel.MINISTRY:
            steps += [d.forwarded_at, d.central_recorded_at]
        assert None not in steps and steps == sorted(steps), d
        assert timezone.localdate(steps[-1]) <= d.decision.date, d
        assert d.received_on == d.submitted_at.date() and d.commune_deadline > d.received_on
        checked += 1
    assert checked > 400


def test_product_status_follows_its_current_certificate(demo_data):
    from ocop.registry.models import ProductStatus

    expected = {
        CertificateStatus.VALID: ProductStatus.RATED,
        CertificateStatus.EXPIRED: ProductStatus.EXPIRED,
        CertificateStatus.REVOKED: ProductStatus.REVOKED,
    }
    for cert in Certificate.objects.exclude(status=CertificateStatus.SUPERSEDED).select_related("product"):
        assert cert.product.status == expected[cert.status], cert
        assert cert.product.stars == cert.stars


def test_the_result_page_explains_demo_dossiers_from_the_councils_answers(demo_data):
    """'Why these stars' rests on the council's consolidated answers: a demo dossier meets every mark of
    its stars, and the way to the next star starts from what the council gave."""
    from ocop.evaluation.services.decisions import explain

    dossiers = Dossier.objects.filter(status=S.RECOGNISED, council__isnull=False).select_related(
        "sheet__criteria_set"
    )[:25]
    assert len(dossiers) == 25
    for d in dossiers:
        explained = explain(d)
        assert all(u["stars"] > d.stars for u in explained["unmet"]), d
        assert explained["stars_by_points"] == d.stars
        if explained["next"]:
            assert explained["next"]["stars"] == d.stars + 1
