"""Bulk loading with PostgreSQL ``COPY``: what the scale data generator (and large imports) use instead of
row-by-row ORM saves. ``copy_rows`` fills every column a row does not name from the model field's default (or
NULL, or an empty string for a blank text field), so callers only say what matters."""

from collections.abc import Iterable

from django.db import connection
from django.db.models import NOT_PROVIDED


def _default(field):
    if field.has_default():
        return field.default() if callable(field.default) else field.default
    if field.null:
        return None
    if field.blank and field.get_internal_type() in ("CharField", "TextField", "EmailField", "SlugField"):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name} needs a value")


def copy_rows(model, rows: Iterable[dict]) -> int:
    """COPY ``rows`` (dicts by field name or attname, without the id) into ``model``'s table; returns the count."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    defaults = {f.attname: (_default(f) if f.default is not NOT_PROVIDED or f.null or f.blank else None)
                for f in fields}
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            values = []
            for f in fields:
                if f.attname in row:
                    value = row[f.attname]
                elif f.name in row:
                    value = row[f.name]
                else:
                    value = defaults[f.attname]
                values.append(f.get_db_prep_save(value, connection))
            copy.write_row(values)
            count += 1
    return count
