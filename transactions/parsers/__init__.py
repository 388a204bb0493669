"""Parsers of the four ingest kinds (``docs/transactions.md``, "Ingest"). Each reads a binary stream and yields rows
as dicts, interleaved with :class:`~transactions.parsers.common.RowError` for the rows it cannot take; a file that
cannot be read as a whole raises :class:`~transactions.parsers.common.Refused` with a one-line reason.

A journal parser never yields a card number: the PAN is checked, truncated and tokenised inside the parser, one row
at a time (``transactions.cards.truncate``); errors name the line and the field, never a PAN's value."""

from transactions.parsers.common import Refused, RowError

__all__ = ["Refused", "RowError"]
