"""The API's one pagination: ``?page=`` and ``?page_size=`` (at most ``MAX_PAGE_SIZE``), DRF's page links."""

from rest_framework.pagination import PageNumberPagination

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# The highest ``?page=`` an endpoint that cuts pages itself (LIMIT/OFFSET) accepts: the offset it computes must
# fit the database's 64-bit integers; no listing has anywhere near this many pages.
MAX_PAGE = 10_000_000


class ApiPagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
