"""E-mail after each committed step: queued as a task, sent to the people concerned, in Vietnamese."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.core import mail
from django.utils import translation

from ocop.accounts.models import Role
from ocop.evaluation import notifications, tasks
from ocop.evaluation.services import council as council_svc
from ocop.evaluation.services import review, transition
from ocop.evaluation.workflow import DossierStatus as S
from tests.evaluation.factories import council, dossier_at
from tests.evaluation.test_scoring import scoring_members, submit
from tests.factories import ProducerFactory, ProductFactory, commune, make_user, other_commune

pytestmark = pytest.mark.django_db

FORM03 = {
    "local_raw_materials": "Gạo địa phương",
    "local_labour": "12 lao động",
    "idea_origin": "Nghề truyền thống",
    "local_identity": "Trảng Bàng",
    "assessment": "Đạt",
    "completeness_checked": True,
}


def product():
    return ProductFactory(producer=ProducerFactory(), name_vi="Bánh tráng phơi sương Trảng Bàng — Hương Quê")


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def people():
    """Everyone who might get an e-mail, with one of each that must not."""
    here = commune()
    return {
        "commune": make_user(Role.COMMUNE_OFFICER, commune=here, email="xa@example.vn"),
        "commune_no_mail": make_user(Role.COMMUNE_OFFICER, commune=here, email=""),
        "commune_inactive": make_user(
            Role.COMMUNE_OFFICER, commune=here, email="nghi@example.vn", is_active=False
        ),
        "other_commune": make_user(
            Role.COMMUNE_OFFICER, commune=other_commune(here), email="xakhac@example.vn"
        ),
        "province": make_user(Role.PROVINCE_OFFICER, email="tinh@example.vn"),
        "other_province": make_user(Role.PROVINCE_OFFICER, province_id="01", email="hanoi@example.vn"),
    }


def producer_of(dossier, email="chuthe@example.vn"):
    return make_user(Role.PRODUCER, producer=dossier.producer, email=email)


def test_submit_mails_the_communes_officers(people, django_capture_on_commit_callbacks):
    dossier = dossier_at(S.DRAFT, product=product())
    producer_user = producer_of(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        transition(producer_user, dossier, "submit")
    assert recipients() == ["xa@example.vn"]
    message = mail.outbox[0]
    assert "Bánh tráng phơi sương Trảng Bàng — Hương Quê" in message.subject
    assert "Bánh tráng phơi sương Trảng Bàng — Hương Quê" in message.body
    assert "Sản phẩm" in message.body and "Xã" in message.body  # labels in Vietnamese


def test_commune_return_mails_the_producer_with_reasons(people, django_capture_on_commit_callbacks):
    dossier = dossier_at(S.SUBMITTED, product=product())
    producer_user = producer_of(dossier)
    producer_of(dossier, email="")  # skipped
    make_user(Role.PRODUCER, email="khac@example.vn")  # another producer
    reason = "Thiếu phiếu kết quả kiểm nghiệm; nhãn chưa ghi hạn sử dụng."
    with django_capture_on_commit_callbacks(execute=True):
        review.commune_return(people["commune"], dossier, reason)
    assert recipients() == [producer_user.email]
    body = mail.outbox[0].body
    assert reason in body and dossier.receipt_number in body
    assert "Chủ thể" in body  # "Producer" in Vietnamese


def test_mail_is_vietnamese_whatever_the_language_of_the_step(people, django_capture_on_commit_callbacks):
    dossier = dossier_at(S.SUBMITTED, product=product())
    producer_of(dossier)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        review.commune_return(people["commune"], dossier, "Bổ sung hồ sơ")
    assert "Sản phẩm" in mail.outbox[0].body and "Product:" not in mail.outbox[0].body


def test_send_to_province_mails_the_provinces_officers(people, django_capture_on_commit_callbacks):
    dossier = dossier_at(S.SUBMITTED, product=product())
    producer_of(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        review.send_to_province(people["commune"], dossier, FORM03)
    assert recipients() == ["tinh@example.vn"]


def test_province_return_mails_the_producer(people, django_capture_on_commit_callbacks):
    dossier = dossier_at(S.AT_PROVINCE, product=product())
    producer_user = producer_of(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        review.province_return(people["province"], dossier, "Kiểm tra thực tế chưa đạt")
    assert recipients() == [producer_user.email]
    assert "Kiểm tra thực tế chưa đạt" in mail.outbox[0].body


def test_assign_mails_the_councils_members(people, django_capture_on_commit_callbacks):
    dossier = dossier_at(S.CHECKED, product=product())
    c = council(dossier.round, members=3, advisors=1)
    emails = []
    for i, seat in enumerate(c.members.select_related("user")):
        seat.user.email = f"hd{i}@example.vn"
        seat.user.save()
        emails.append(seat.user.email)
    stranger = council(dossier.round, members=1).members.get().user
    stranger.email = "hdkhac@example.vn"
    stranger.save()
    with django_capture_on_commit_callbacks(execute=True):
        transition(people["province"], dossier, "assign", fields={"council": c})
    assert recipients() == sorted(emails)


def test_close_mails_the_provinces_officers(people, django_capture_on_commit_callbacks):
    dossier = dossier_at(S.IN_COUNCIL, product=product())
    chair = dossier.council.members.get(role="chair").user
    with django_capture_on_commit_callbacks(execute=True):
        transition(chair, dossier, "close")
    assert recipients() == ["tinh@example.vn"]


@pytest.mark.parametrize("action", ["recognise", "not_recognise"])
def test_decision_mails_producer_and_commune(people, django_capture_on_commit_callbacks, action):
    dossier = dossier_at(S.SCORED, product=product())
    producer_user = producer_of(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        transition(people["province"], dossier, action)
    assert recipients() == sorted([producer_user.email, "xa@example.vn"])


@pytest.mark.parametrize("action,status", [("province_check", S.AT_PROVINCE), ("withdraw", S.SUBMITTED)])
def test_other_steps_send_nothing(people, django_capture_on_commit_callbacks, action, status):
    dossier = dossier_at(status, product=product())
    producer_user = producer_of(dossier)
    actor = people["province"] if action == "province_check" else producer_user
    with django_capture_on_commit_callbacks(execute=True):
        transition(actor, dossier, action)
    assert mail.outbox == []


def test_the_step_only_queues_a_task(people, django_capture_on_commit_callbacks):
    dossier = dossier_at(S.SUBMITTED, product=product())
    with (
        mock.patch.object(tasks, "notify_dossier") as task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        review.commune_return(people["commune"], dossier, "Lý do")
    task.enqueue.assert_called_once_with(dossier.pk, "commune_return")
    assert mail.outbox == []


def test_nothing_is_sent_before_commit_nor_on_rollback(people, django_capture_on_commit_callbacks):
    dossier = dossier_at(S.SUBMITTED, product=product())
    producer_of(dossier)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        review.commune_return(people["commune"], dossier, "Lý do")
    assert mail.outbox == [] and len(callbacks) == 1


def test_a_deleted_dossier_sends_nothing():
    assert notifications.send_dossier_mail(987654, "submit") == 0
    assert mail.outbox == []


def test_rescore_mails_the_members_able_to_score_without_any_points(
    people, django_capture_on_commit_callbacks
):
    """Members learn they must score again; a member linked to the producer is left out; nothing in the
    mail says anybody's points or the spread."""
    dossier = dossier_at(S.IN_COUNCIL, product=product())
    dossier.council.spread_limit = 0
    dossier.council.save()
    seats = scoring_members(dossier)
    for i, seat in enumerate(seats):
        seat.user.email = f"hd{i}@example.vn"
        seat.user.save()
    linked = council_svc.add_member(
        people["province"],
        dossier.council,
        make_user(Role.COUNCIL_MEMBER, email="lienquan@example.vn"),
        role="member",
    )
    linked.conflicts.add(dossier.producer)
    for seat, total in zip(seats, (61, 67, 73), strict=True):
        submit(seat, dossier, total)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = council_svc.close_scoring(seats[0].user, dossier)
    assert outcome.rescored
    assert recipients() == ["hd0@example.vn", "hd1@example.vn", "hd2@example.vn"]
    body = mail.outbox[0].body + mail.outbox[0].subject
    assert dossier.product.name_vi in body and "2" in body
    # Names, numbers and links may hold any digits (a factory's "… Số 67"): take them out, then no total
    # may stand anywhere as a number of its own.
    text = body
    for known in (
        dossier.receipt_number,
        notifications._link(dossier),
        dossier.product.name_vi,
        dossier.producer.name,
    ):
        text = text.replace(known or "", "")
    assert not re.findall(r"(?<![\d.,])(61|67|73)(?![\d])", text)
