from django.core.paginator import Paginator


def page_of(request, items, size: int):
    """The page the URL asks for; a bad or too-large page number gives the nearest page."""
    return Paginator(items, size).get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    """The current filters, for building page links that keep them."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
