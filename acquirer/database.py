"""One clear line instead of a traceback when PostgreSQL cannot be reached (manage.py, the embedded runner)."""

import re

# libpq's words for "no server there": refused, no socket file, unknown host, timeout.
NO_SERVER = re.compile(r"connection refused|no such file or directory|could not translate host name|"
                       r"timeout expired|could not connect|network is unreachable|no route to host|"
                       r"the database system is (starting up|shutting down)", re.IGNORECASE)
# SQLSTATE classes raised while connecting: connection exception, invalid authorization, unknown database,
# cannot connect now. Errors of a running query (timeouts, deadlocks) carry other codes and keep their traceback.
CONNECT_SQLSTATES = ("08", "28", "3D000", "57P03")


def database_location(database: dict) -> str:
    host = database.get("HOST") or "localhost"
    port = database.get("PORT") or 5432
    return f"{host}:{port}"


def connection_error_reason(error: BaseException) -> str:
    """The server's own words (after FATAL:), or the last line of the error."""
    text = str(error).strip()
    fatal = re.search(r"FATAL:\s*(.+)", text)
    line = fatal.group(1) if fatal else text.splitlines()[-1] if text else ""
    return line.strip()


def connection_error_message(error: BaseException, database: dict) -> str | None:
    """The line to print for an error raised while connecting to ``database``; None for any other error."""
    import psycopg

    cause = error if isinstance(error, psycopg.OperationalError) else error.__cause__
    if not isinstance(cause, psycopg.OperationalError):
        return None
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None and not sqlstate.startswith(CONNECT_SQLSTATES):
        return None
    where = database_location(database)
    if NO_SERVER.search(str(cause)):
        return f"error: cannot connect to the database at {where} (is PostgreSQL running?)"
    return f"error: cannot connect to the database at {where}: {connection_error_reason(cause)}"


def check_connection(alias: str = "default") -> None:
    """Connect once and let go: raises django.db.utils.OperationalError when the server cannot be reached."""
    from django.db import connections

    connection = connections[alias]
    try:
        connection.ensure_connection()
    finally:
        connection.close()
