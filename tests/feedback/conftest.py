"""Dossiers taken to their return through the real services, and feedback helpers."""

import pytest

from dossiers import services
from feedback import services as feedback_services
from portal.models import Role
from tests.dossiers.conftest import (  # noqa: F401 (fixtures)
    all_documents,
    applicant,
    at,
    other_desk,
    receive,
    same_day_procedure,
    three_day_procedure,
)
from tests.factories import UserFactory

ANSWERS = {"overall": 5, "timeliness": 4, "attitude": 5, "clarity": 3}


def returned_dossier(procedure, desk_officer, leader, specialist, when=None, **kwargs):
    """Received, processed, approved and handed over."""
    when = when or at(2026, 12, 7, 9)
    d = receive(procedure, desk_officer, when=when, **kwargs)
    d = services.assign_dossier(d, actor=leader, handler=specialist, version=d.version, now=when)
    d = services.submit_for_approval(d, actor=specialist, version=d.version, now=when)
    d = services.approve_dossier(
        d, actor=leader, result="Giấy chứng nhận kết hôn", version=d.version, now=when
    )
    d = services.mark_result_ready(d, actor=desk_officer, version=d.version, now=when)
    return services.return_result(
        d, actor=desk_officer, returned_to="Nguyễn Văn An", version=d.version, now=when
    )


@pytest.fixture
def returned(three_day_procedure, desk_officer, leader, specialist):  # noqa: F811
    return returned_dossier(three_day_procedure, desk_officer, leader, specialist)


@pytest.fixture
def other_leader(other_commune):
    return UserFactory(username="other_leader", role=Role.LEADER, unit=other_commune)


def feedback_for(unit, **kwargs):
    data = dict(
        name="Trần Thị Bình",
        phone="0987 654 321",
        email="binh@example.vn",
        subject="Hẹn trả kết quả nhiều lần",
        content="Tôi đã đến ba lần mà chưa nhận được kết quả.",
        unit=unit,
    )
    data.update(kwargs)
    return feedback_services.submit_feedback(**data)
