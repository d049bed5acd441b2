"""Offset pages over Beanie queries: ``skip``/``limit`` on an explicit sort."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from beanie import Document, SortDirection

from resolvers.errors import Invalid

D = TypeVar("D", bound=Document)

MAX_PAGE = 100
DEFAULT_PAGE = 20


@dataclass
class Page(Generic[D]):
    """One page of documents and a way to count them all.

    Attributes:
        items: the documents on this page, in order.
        offset: the position of the first item in the whole result.
        has_next: whether more documents follow.
        count: counts every matching document (runs only when awaited).
    """

    items: list[D]
    offset: int
    has_next: bool
    count: Callable[[], Awaitable[int]]


def check_page_size(first: int | None) -> int:
    """Return the page size, refusing one outside 1..100."""
    size = DEFAULT_PAGE if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise Invalid(f"first must be between 1 and {MAX_PAGE}", field="first")
    return size


def sort_keys(sort: list[tuple[str, int]]) -> list[tuple[str, SortDirection]]:
    """``[("name", 1), ("at", -1)]`` as the sort keys Beanie takes."""
    return [(key, SortDirection(way)) for key, way in sort]


async def paginate(
    model: type[D],
    query: dict[str, Any],
    sort: list[tuple[str, int]],
    *,
    first: int | None,
    offset: int,
    count_query: dict[str, Any] | None = None,
) -> Page[D]:
    """Read one page of ``model`` matching ``query`` in ``sort`` order."""
    size = check_page_size(first)
    if offset < 0:
        raise Invalid("after is not a valid cursor", field="after")
    # One extra document tells whether a next page exists without counting.
    docs = (
        await model.find(query)
        .sort(sort_keys(sort))
        .skip(offset)
        .limit(size + 1)
        .to_list()
    )

    async def count() -> int:
        return await model.find(
            count_query if count_query is not None else query
        ).count()

    return Page(
        items=docs[:size], offset=offset, has_next=len(docs) > size, count=count
    )
