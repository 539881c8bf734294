"""Pages of the API's lists, and a stable order for them."""

from __future__ import annotations

from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """50 a page, as on the HTML lists; `page_size` asks for up to 100."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class StableOrdering(OrderingFilter):
    """`?ordering=`, always ending in the primary key, so rows with equal values keep their
    place from one page to the next and none is shown twice or skipped."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering.append("pk")
        return ordering
