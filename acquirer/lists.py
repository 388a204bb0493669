"""The list toolkit every list uses: keyset ("seek") pages and bounded counts.

A page is found by the sort key of the row before it, never by an offset: ``WHERE (at, id) < (…, …)
ORDER BY at DESC, id DESC LIMIT 26`` reads 26 index entries whether it is the first page or the millionth.
The sort key is a tuple of non-null columns in one direction whose last column is unique (the id), served by
an index on those columns. The position travels in the URL as an opaque cursor (``after`` or ``before``);
a cursor that cannot be read starts from the first page, and ``before=last`` reads the list from its end.
Counts are bounded: ``bounded_count`` counts at most ``limit + 1`` rows, so a list says "more than 1,000"
instead of scanning a large table.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db.models import F, Func, Value
from django.db.models.fields import Field
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone

PAGE_SIZE = 25  # a screenful; "Next" and the identifier search reach the rest (docs/architecture.md)
LAST = "last"  # ``?before=last``: the last page, as cheap as the first
COUNT_LIMIT = 1_000  # counting to 10,001 cost a filtered list 25 ms at full size; to 1,001, under 3 ms


class _Row(Func):
    """``ROW(a, b, …)``: PostgreSQL compares rows column by column, which an index on (a, b, …) serves."""

    function = "ROW"
    output_field = Field()


def _encode(values: list) -> str:
    plain = [value.isoformat() if isinstance(value, (date, datetime)) else str(value) for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, fields: list) -> list | None:
    """The sort-key values in ``cursor`` as the ``fields``' Python values, or None when it cannot be read."""
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(plain, list) or len(plain) != len(fields) or not all(isinstance(v, str) for v in plain):
            return None
        values = [field_.to_python(text) for field_, text in zip(fields, plain, strict=True)]
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, ValidationError):
        return None
    return None if any(value is None for value in values) else values


@dataclass
class Page:
    """One page of a list: its rows and the cursors of the pages before and after it (None at either end)."""

    object_list: list
    next_cursor: str | None = None
    previous_cursor: str | None = None
    size: int = PAGE_SIZE

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def _key(row, names: list[str]) -> list:
    return [getattr(row, name) for name in names]


def shown(queryset, fields: tuple[str, ...]):
    """``queryset`` reading only the columns a list shows: ``fields`` names them, related ones with ``__``
    (``merchant__legal_name``), and the relations they pass through are joined (``select_related``) and nothing
    else. A page of rows with every column of four joined models costs more to build than to render."""
    related = {name.rsplit("__", 1)[0] for name in fields if "__" in name}
    return queryset.select_related(None).select_related(*sorted(related)).only(*fields)


def keyset_page(queryset, order: tuple[str, ...] = ("-pk",), *, after: str | None = None,
                before: str | None = None, size: int = PAGE_SIZE, fields: tuple[str, ...] = ()) -> Page:
    """The page of ``queryset`` sorted by ``order`` that follows the cursor ``after`` (or precedes ``before``).

    ``order`` names fields in one direction (all ``-field`` or all ``field``); its last field is unique.
    ``fields``, when given, are the only columns read (:func:`shown`).
    """
    if fields:  # the sort key is read too: the cursors are made from it
        queryset = shown(queryset, (*fields, *(name.lstrip("-") for name in order if name.lstrip("-") != "pk")))
    descending = order[0].startswith("-")
    if any(name.startswith("-") != descending for name in order):
        raise ValueError("a keyset order has one direction")
    names = [name.lstrip("-") for name in order]
    meta = queryset.model._meta
    fields = [meta.pk if name == "pk" else meta.get_field(name) for name in names]
    attrs = [field_.attname for field_ in fields]
    position, backwards = None, False
    if before == LAST:
        backwards = True  # the last page: the list read from its end
    elif before:
        position, backwards = _decode(before, fields), True
        backwards = position is not None
    elif after:
        position = _decode(after, fields)
    rows = queryset
    if position is not None:
        lhs = _Row(*[F(name) for name in names])
        rhs = _Row(*[Value(value) for value in position])
        # going forward in a descending list means smaller keys; going backwards, larger ones
        rows = rows.filter((GreaterThan if descending == backwards else LessThan)(lhs, rhs))
    flip = not descending if backwards else descending
    rows = list(rows.order_by(*[f"-{name}" if flip else name for name in names])[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        has_next, has_previous = position is not None, more
    else:
        has_next, has_previous = more, position is not None
    return Page(
        object_list=rows,
        next_cursor=_encode(_key(rows[-1], attrs)) if has_next and rows else None,
        previous_cursor=_encode(_key(rows[0], attrs)) if has_previous and rows else None,
        size=size,
    )


def page_from_request(request, queryset, order: tuple[str, ...] = ("-pk",), size: int = PAGE_SIZE,
                      fields: tuple[str, ...] = ()) -> Page:
    """:func:`keyset_page` at the position the request's ``after``/``before`` parameters name."""
    return keyset_page(queryset, order, after=request.GET.get("after"), before=request.GET.get("before"),
                       size=size, fields=fields)


@dataclass(frozen=True)
class Count:
    """How many rows a list has, up to a limit: ``exact`` is False when there are more than ``value``."""

    value: int
    exact: bool

    def __str__(self) -> str:
        """``42``, or ``1000+`` when there are more (a badge or a card shows it as it is)."""
        return str(self.value) if self.exact else f"{self.value}+"


def bounded_count(queryset, limit: int = COUNT_LIMIT, order: tuple[str, ...] = ()) -> Count:
    """Count at most ``limit + 1`` rows (``SELECT count(*) FROM (… LIMIT n)``), never the whole table. With the
    list's ``order`` the rows are counted along its sort index (an index-only scan of ``limit + 1`` entries)
    instead of whatever scan PostgreSQL picks for an unordered filter."""
    found = queryset.order_by(*order)[: limit + 1].count()
    return Count(min(found, limit), found <= limit)


def page_count(queryset, page: Page, order: tuple[str, ...], limit: int = COUNT_LIMIT) -> Count:
    """How many rows the list ``page`` belongs to has: ``page``'s own rows when it is the whole list (no query),
    else :func:`bounded_count` along ``order``."""
    if not page.has_next and not page.has_previous:
        return Count(len(page.object_list), True)
    return bounded_count(queryset, limit, order)


def bounded_counts(querysets: dict, limit: int = COUNT_LIMIT) -> dict:
    """``bounded_count`` of each queryset (a tab per status, say) in one round trip: the counts are joined with
    ``UNION ALL`` in one statement, each still stopping at ``limit + 1`` rows."""
    from django.db import connections

    if not querysets:
        return {}
    keys, parts, params = list(querysets), [], []
    found = dict.fromkeys(range(len(keys)), 0)  # a queryset that cannot match anything is not asked
    for index, key in enumerate(keys):
        try:
            sql, part_params = querysets[key].order_by().values("pk")[: limit + 1].query.sql_with_params()
        except EmptyResultSet:
            continue
        parts.append(f"SELECT {index}, count(*) FROM ({sql}) AS part")
        params.extend(part_params)
    if parts:
        with connections[next(iter(querysets.values())).db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            found.update(cursor.fetchall())
    return {key: Count(min(found[index], limit), found[index] <= limit) for index, key in enumerate(keys)}


_ANY_PK = 9_876_543_210_123  # reversed once per list, then replaced by each row's id


def link_rows(rows, url_name: str, attribute: str = "detail_url"):
    """Give each row its page's URL (``url_name`` taking the row's id) as ``row.<attribute>``: one ``reverse``
    for the page instead of one per row."""
    from django.urls import reverse

    pattern = reverse(url_name, args=[_ANY_PK])
    for row in rows:
        setattr(row, attribute, pattern.replace(str(_ANY_PK), str(row.pk)))
    return rows


def query_without_position(request) -> str:
    """The request's query string without its position (``after``, ``before``, ``page``): the filters a
    pager link keeps."""
    query = request.GET.copy()
    for name in ("after", "before", "page"):
        query.pop(name, None)
    return query.urlencode()


def start_of_local_day(day: date) -> datetime:
    """The instant a local calendar day starts: date filters compare instants (``at >= start AND at < end``),
    which an index on the column serves, instead of casting every row to a local date."""
    return timezone.make_aware(datetime.combine(day, time.min))
