"""Who reads which dossier: one query filter (Dossier.objects.visible_to) for pages, API and downloads."""

import pytest

from ocop.accounts.models import Role
from ocop.evaluation.models import Dossier
from ocop.evaluation.services import review
from ocop.evaluation.workflow import DossierStatus as S
from tests.evaluation.factories import dossier_at
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_province_sees_a_dossier_only_once_the_commune_sent_it():
    at_commune = dossier_at(S.SUBMITTED)
    officer = make_user(Role.COMMUNE_OFFICER, commune=at_commune.commune)
    returned_by_commune = review.commune_return(officer, at_commune, "Thiếu phiếu kết quả kiểm nghiệm")
    sent = dossier_at(S.AT_PROVINCE)
    province = make_user(Role.PROVINCE_OFFICER)
    assert set(Dossier.objects.visible_to(province)) == {sent}
    assert returned_by_commune.status == S.RETURNED
    # the commune and the producer still see the returned one
    assert returned_by_commune in Dossier.objects.visible_to(officer)
    producer_user = make_user(Role.PRODUCER, producer=at_commune.producer)
    assert set(Dossier.objects.visible_to(producer_user)) == {returned_by_commune}


def test_a_dossier_the_province_returned_stays_in_its_view():
    dossier = dossier_at(S.AT_PROVINCE)
    province = make_user(Role.PROVINCE_OFFICER)
    returned = review.province_return(province, dossier, "Bổ sung báo cáo tài chính 2 năm")
    assert returned.status == S.RETURNED and returned in Dossier.objects.visible_to(province)
