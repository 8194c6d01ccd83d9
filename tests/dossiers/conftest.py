import datetime as dt
import zoneinfo

import pytest

from dossiers import services
from dossiers.services import Applicant, HandedIn
from portal.models import Role
from procedures.models import DocumentType, OnlineLevel, ProcedureDocument, UnitProcedure
from tests.factories import ProcedureFactory, UserFactory

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def at(y, m, d, hh=9, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture
def three_day_procedure(db):
    return ProcedureFactory(
        code="1.000894",
        name_vi="Đăng ký kết hôn",
        processing_days=3,
        documents=["Tờ khai đăng ký kết hôn", "Giấy xác nhận tình trạng hôn nhân"],
    )


@pytest.fixture
def same_day_procedure(db):
    return ProcedureFactory(
        code="2.000815",
        name_vi="Chứng thực bản sao từ bản chính",
        processing_days=None,
        same_day=True,
        documents=["Bản chính giấy tờ"],
    )


@pytest.fixture
def specialist2(commune):
    return UserFactory(username="specialist2", role=Role.SPECIALIST, unit=commune)


@pytest.fixture
def other_desk(other_commune):
    return UserFactory(username="other_desk", role=Role.DESK_OFFICER, unit=other_commune)


@pytest.fixture
def other_specialist(other_commune):
    return UserFactory(username="other_specialist", role=Role.SPECIALIST, unit=other_commune)


@pytest.fixture
def other_leader(other_commune):
    return UserFactory(username="other_leader", role=Role.LEADER, unit=other_commune)


def applicant(**overrides) -> Applicant:
    data = dict(
        name="Nguyễn Văn An",
        id_number="079123456789",
        phone="0912 345 678",
        email="an@example.vn",
        address="Thôn 2, xã Đạ Huoai",
    )
    data.update(overrides)
    return Applicant(**data)


def all_documents(procedure, provided=True) -> list[HandedIn]:
    return [
        HandedIn(catalogue_document_id=d.pk, provided=provided, originals=1)
        for d in procedure.documents.all()
    ]


def receive(procedure, actor, when=None, **kwargs):
    return services.receive_dossier(
        actor=actor,
        procedure=procedure,
        applicant=kwargs.pop("applicant", applicant()),
        documents=kwargs.pop("documents", all_documents(procedure)),
        now=when or at(2026, 12, 7, 9),
        **kwargs,
    )


# --- Online submission (tests/dossiers/test_online*.py) -----------------------------------


@pytest.fixture
def id_card(db):
    return DocumentType.objects.create(code="cccd", name="Căn cước công dân")


@pytest.fixture
def online_procedure(commune, id_card):
    """Partly online: the declaration (required, 1 original), the ID card (required, a
    copy, typed for paper once), a photo (optional)."""
    procedure = ProcedureFactory(
        code="1.001193",
        name_vi="Đăng ký khai sinh",
        processing_days=3,
        online_level=OnlineLevel.PARTIAL,
        documents=["Tờ khai đăng ký khai sinh", "Căn cước công dân", "Ảnh"],
    )
    docs = list(procedure.documents.order_by("position"))
    ProcedureDocument.objects.filter(pk=docs[0].pk).update(originals=1, form="Mẫu TP/HT-2020")
    ProcedureDocument.objects.filter(pk=docs[1].pk).update(originals=0, copies=1, doc_type=id_card)
    ProcedureDocument.objects.filter(pk=docs[2].pk).update(originals=0, required=False)
    UnitProcedure.objects.create(unit=commune, procedure=procedure)
    return procedure
