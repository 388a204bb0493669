"""PostgreSQL tools for backups: a pg_dump/pg_restore not older than the server, consistent row
counts (same snapshot as the dump), and scratch databases for restore verification."""

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path

import psycopg

CHUNK = 1024 * 1024


class PgToolError(Exception):
    pass


def connection_params(settings_dict: dict) -> dict:
    return {
        "host": settings_dict.get("HOST") or "",
        "port": str(settings_dict.get("PORT") or 5432),
        "user": settings_dict.get("USER") or "",
        "password": settings_dict.get("PASSWORD") or "",
        "dbname": settings_dict["NAME"],
    }


def _env(params: dict) -> dict:
    env = {**os.environ, "PGHOST": params["host"], "PGPORT": params["port"], "PGUSER": params["user"],
           "PGDATABASE": params["dbname"]}
    if params["password"]:
        env["PGPASSWORD"] = params["password"]
    return env


def _candidate_dirs() -> list[Path]:
    dirs = []
    spec = importlib.util.find_spec("pgserver")
    if spec and spec.submodule_search_locations:
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin")
    dirs += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    which = shutil.which("pg_dump")
    if which:
        dirs.append(Path(which).parent)
    return dirs


def _major(binary: Path) -> int:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else 0


def find_tool(name: str, server_major: int) -> Path:
    """The newest ``name`` found whose major version is at least the server's."""
    found = []
    for folder in _candidate_dirs():
        binary = folder / name
        if binary.exists():
            found.append((_major(binary), binary))
    usable = sorted((item for item in found if item[0] >= server_major), reverse=True)
    if not usable:
        versions = ", ".join(f"{b} ({m})" for m, b in found) or "none"
        raise PgToolError(f"no {name} of version ≥ {server_major} found (have: {versions})")
    return usable[0][1]


def server_major(conn) -> int:
    return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


def connect(params: dict, **kwargs) -> psycopg.Connection:
    return psycopg.connect(host=params["host"] or None, port=params["port"], user=params["user"] or None,
                           password=params["password"] or None, dbname=params["dbname"], **kwargs)


def table_names(conn) -> list[str]:
    rows = conn.execute(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\\_temp\\_%' "
        "ORDER BY 1").fetchall()  # another session's temporary tables (an import's staging) are not data
    return [row[0] for row in rows]


def row_counts(conn) -> dict[str, int]:
    return {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in table_names(conn)}


class _Drain:
    """Reads a subprocess's stderr on a thread (kept in memory, bounded) so the process never blocks on it."""

    def __init__(self, stream, limit: int = 64 * 1024):
        self._stream, self._limit, self._data = stream, limit, bytearray()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while chunk := self._stream.read(4096):
            if len(self._data) < self._limit:
                self._data += chunk

    def text(self) -> str:
        self._thread.join(timeout=30)
        return self._data.decode(errors="replace").strip()


def audit_head(conn) -> dict:
    """Count, last id and last hash of the audit trail, as seen by ``conn``'s snapshot."""
    from acquirer import audit

    if conn.execute("SELECT to_regclass('public.acquirer_auditevent')").fetchone()[0] is None:
        return {"count": 0, "last_id": None, "head": audit.GENESIS}
    count = conn.execute("SELECT count(*) FROM acquirer_auditevent").fetchone()[0]
    last = conn.execute("SELECT id, hash FROM acquirer_auditevent ORDER BY id DESC LIMIT 1").fetchone()
    return {"count": count, "last_id": last[0] if last else None, "head": last[1] if last else audit.GENESIS}


def dump(params: dict, sink) -> dict:
    """Stream pg_dump (custom format) into ``sink.write``: no dump file is written here.

    Returns what was read in the dump's own snapshot: row counts, database size, server version and
    the audit trail's head (count, last id, last hash) for the manifest's signed checkpoint.
    """
    with connect(params) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = row_counts(conn)
        head = audit_head(conn)
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        major = server_major(conn)
        tool = find_tool("pg_dump", major)
        process = subprocess.Popen([str(tool), "--format=custom", "--no-owner", "--no-privileges",
                                    f"--snapshot={snapshot}"], env=_env(params), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        errors = _Drain(process.stderr)
        try:
            while chunk := process.stdout.read(CHUNK):
                sink.write(chunk)
        except BaseException:
            process.kill()
            process.wait()
            raise
        returncode = process.wait()
        conn.execute("COMMIT")
    if returncode != 0:
        raise PgToolError(f"pg_dump failed: {errors.text()[:2000]}")
    return {"row_counts": counts, "database_size": size, "server_major": major, "pg_dump": str(tool),
            "audit": head}


def restore(params: dict, stream) -> None:
    """pg_restore a custom-format dump read from ``stream`` through stdin, in one transaction.

    The dump is never written to disk. If pg_restore stops early, the rest of ``stream`` is left to the
    caller; if reading ``stream`` fails (altered archive), pg_restore is killed and nothing is committed.
    """
    check_reachable(params)
    with connect(params) as conn:
        major = server_major(conn)
    tool = find_tool("pg_restore", major)
    process = subprocess.Popen([str(tool), "--no-owner", "--no-privileges", "--exit-on-error",
                                "--single-transaction", f"--dbname={params['dbname']}"],
                               env=_env(params), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    errors = _Drain(process.stderr)
    try:
        try:
            while chunk := stream.read(CHUNK):
                process.stdin.write(chunk)
            process.stdin.close()
        except BrokenPipeError:
            pass  # pg_restore stopped reading: its exit code and message say why
    except BaseException:
        process.kill()
        process.wait()
        raise
    if process.wait() != 0:
        raise PgToolError(f"pg_restore failed: {errors.text()[:2000]}")


class DatabaseMissing(PgToolError):
    pass


def check_reachable(params: dict) -> None:
    """Raise a one-line :class:`PgToolError` if the database cannot be connected to (or does not exist)."""
    try:
        with connect(params, connect_timeout=10):
            return
    except psycopg.OperationalError as error:
        text = str(error)
        if getattr(error, "sqlstate", None) == "3D000" or f'database "{params["dbname"]}" does not exist' in text:
            raise DatabaseMissing(f'database "{params["dbname"]}" does not exist — create it empty first') from None
        detail = next((line.strip() for line in reversed(text.splitlines()) if line.strip()), text)
        raise PgToolError(f'cannot connect to database "{params["dbname"]}": {detail}') from None


def is_empty(params: dict) -> bool:
    with connect(params) as conn:
        return not table_names(conn)


SCRATCH_PREFIX = "acquirer_verify_"


def scratch_prefix(params: dict) -> str:
    """Scratch databases of one source database share a prefix, so stale ones can be found and dropped."""
    return f"{SCRATCH_PREFIX}{hashlib.sha256(params['dbname'].encode()).hexdigest()[:6]}_"


def scratch_drop_stale(params: dict) -> list[str]:
    """Drop scratch databases of ``params``' database left by a killed verification. Call under the lock."""
    admin = {**params, "dbname": "postgres"}
    pattern = scratch_prefix(params).replace("_", r"\_") + "%"
    with connect(admin, autocommit=True) as conn:
        names = [row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                                [pattern]).fetchall()]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return names


@contextmanager
def scratch_database(params: dict, name: str):
    """Create an empty database next to ``params``' one, yield its params, drop it afterwards."""
    admin = {**params, "dbname": "postgres"}
    with connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**params, "dbname": name}
    finally:
        with connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def verify_audit_chain(params: dict, *, through: dict | None = None):
    """Run the audit chain check on another database (a restored backup), optionally through a checkpoint."""
    from psycopg.rows import dict_row

    from acquirer import audit

    with connect(params) as conn, conn.cursor(name="audit_chain", row_factory=dict_row) as cursor:
        cursor.itersize = 2000
        cursor.execute("SELECT * FROM acquirer_auditevent ORDER BY id")
        return audit.verify_rows(cursor, through=through)
