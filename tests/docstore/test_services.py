"""docstore/services.py: what the store offers for reuse."""

import datetime

import pytest
from django.utils import timezone

from docstore.models import Source, StoredDocument
from docstore.services import reusable_documents, valid_until
from procedures.models import DocumentType

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 29)


@pytest.fixture
def id_card():
    return DocumentType.objects.create(code="cccd", name="Căn cước công dân", validity_months=None)


@pytest.fixture
def birth():
    return DocumentType.objects.create(code="giay-khai-sinh", name="Giấy khai sinh")


def stored(doc_type, id_number="001200000001", **kwargs):
    return StoredDocument.objects.create(
        id_number=id_number,
        doc_type=doc_type,
        name=kwargs.pop("name", doc_type.name),
        source=Source.SCAN,
        **kwargs,
    )


def test_reusable_documents_only_valid_of_the_type_and_owner(id_card, birth):
    good = stored(id_card, valid_until=TODAY)
    open_ended = stored(id_card, issued_on=datetime.date(2020, 1, 1))
    stored(id_card, valid_until=TODAY - datetime.timedelta(days=1))  # expired
    stored(id_card, revoked_at=timezone.now())  # withdrawn
    stored(id_card, id_number="001200000002")  # someone else's
    stored(birth)  # another type

    found = list(reusable_documents("001200000001", id_card, on=TODAY))
    assert set(found) == {good, open_ended}
    assert list(reusable_documents("001200000001", id_card.pk, on=TODAY)) == found
    assert list(reusable_documents(" 001200000001 ", id_card, on=TODAY)) == found


def test_reusable_documents_empty_without_id_number_or_type(id_card):
    stored(id_card, id_number="")
    assert not reusable_documents("", id_card, on=TODAY).exists()
    assert not reusable_documents("001200000001", None, on=TODAY).exists()


@pytest.mark.parametrize(
    "issued, months, until",
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),  # the month's last day
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),  # a leap year
        (datetime.date(2026, 11, 29), 6, datetime.date(2027, 5, 29)),
        (datetime.date(2026, 3, 15), 120, datetime.date(2036, 3, 15)),
    ],
)
def test_validity_is_the_same_day_months_later_or_the_months_last(issued, months, until):
    assert valid_until(DocumentType(code="x", validity_months=months), issued) == until
    assert valid_until(DocumentType(code="x"), issued) is None  # does not expire
