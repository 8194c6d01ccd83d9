"""Pagination for dossier lists whose exact count would cost more than the page.

A worklist (open dossiers of a unit) holds hundreds of rows and is counted exactly in a
millisecond. The "all" list, and a search by a common name, can hold a unit's whole history
(60,000 dossiers at the busiest ward of a province with a million): counting those rows means
visiting most pages of the table, 100 ms and more, for a number nobody reads to the unit. So
the count stops at COUNT_CAP: up to it the number is exact; beyond, lists say "more than
1,000" (`capped`) and offer the first 1,000 rows, newest first, to be narrowed by a search or
a filter. See docs/adr/0006-dossier-indexes.md.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A Paginator whose count stops at `cap` (+1 row read to know there are more)."""

    cap = COUNT_CAP

    @cached_property
    def found(self) -> int:
        """Rows, counted up to cap + 1."""
        object_list = self.object_list
        if hasattr(object_list, "order_by"):
            # SELECT COUNT(*) FROM (SELECT id ... LIMIT cap + 1): the database stops early,
            # without computing the rows' annotated columns.
            return object_list.order_by().values("pk")[: self.cap + 1].count()
        return len(object_list)

    @cached_property
    def count(self) -> int:
        return min(self.found, self.cap)

    @property
    def capped(self) -> bool:
        """The list has more rows than `count`."""
        return self.found > self.cap


class CappedPageNumberPagination(PageNumberPagination):
    """DRF page-number pagination with a capped count; `count_capped` says the list has
    more rows than `count`."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "count": self.page.paginator.count,
                "count_capped": self.page.paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count"]["description"] = (
            f"Exact up to {COUNT_CAP}; when count_capped is true, the list has more rows."
        )
        schema["properties"]["count_capped"] = {"type": "boolean", "example": False}
        schema["required"] = [*schema.get("required", []), "count_capped"]
        return schema
