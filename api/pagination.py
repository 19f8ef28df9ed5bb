"""Cursor pagination for the list endpoints: stable pages while rows are added, no count query."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-pk"
    invalid_cursor_message = "Curseur de pagination invalide."


def cursor_by(*fields: str) -> type[Cursor]:
    return type("Cursor", (Cursor,), {"ordering": fields})
