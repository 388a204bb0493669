"""Request logs without what people searched for.

A search box receives names, phone numbers, resident ID and card numbers in the query string, and every
request logger writes the URL: runserver's ``django.server`` access lines, gunicorn's ``gunicorn.access``
and ``django.request`` (4xx/5xx). ``MaskQueryStringFilter`` sits on those loggers (``LOGGING`` in
settings) and rewrites each record before any handler sees it: every query-string value becomes ``***``
(the parameter names stay, so a log still says *which* filter was used) and any run of six or more digits
(an ID, card, phone or account number in a path) is masked too.
"""

import logging
import re
from collections.abc import Mapping

MASK = "***"
# A query string inside a request line, a URL or a Referer: from "?" to the next blank or quote.
QUERY_IN_TEXT = re.compile(r"\?[^\s\"']*")
# Six or more digits in a row, with the check character X of a resident ID number.
ID_LIKE = re.compile(r"\d{6,}[Xx]?")
PLAIN_NAME = re.compile(r"[A-Za-z_][\w.\-\[\]]{0,40}")
# gunicorn's atom for the bare query string (no leading "?").
GUNICORN_QUERY_ATOM = "q"


def mask_query(query: str) -> str:
    """``q=张三&page=2`` → ``q=***&page=***``; a parameter name that is not a plain name is masked too."""
    if not query:
        return query
    parts = []
    for pair in query.split("&"):
        name, has_value, _value = pair.partition("=")
        name = name if PLAIN_NAME.fullmatch(name) else MASK
        parts.append(f"{name}={MASK}" if has_value else name)
    return "&".join(parts)


def mask_text(text: str) -> str:
    """Mask every query string in ``text`` and every ID-like run of digits."""
    text = QUERY_IN_TEXT.sub(lambda match: "?" + mask_query(match.group(0)[1:]), text)
    return ID_LIKE.sub(MASK, text)


def _mask_value(value, *, bare_query: bool = False):
    if not isinstance(value, str):
        return value
    if bare_query:
        return mask_query(value)
    return value if value.isdigit() else mask_text(value)  # a status code or a response size stays readable


class MaskQueryStringFilter(logging.Filter):
    """Rewrites a request log record so that no query-string value and no ID-like number remains in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        if isinstance(record.args, Mapping):  # gunicorn passes its atoms as one dict
            record.args = {key: _mask_value(value, bare_query=key == GUNICORN_QUERY_ATOM)
                           for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_mask_value(value) for value in record.args)
        return True
