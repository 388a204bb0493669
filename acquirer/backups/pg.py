"""PostgreSQL tools for backups: a pg_dump/pg_restore not older than the server, consistent row
counts (same snapshot as the dump), and scratch databases for restore verification."""

import importlib.util
import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import psycopg


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
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1").fetchall()
    return [row[0] for row in rows]


def row_counts(conn) -> dict[str, int]:
    return {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in table_names(conn)}


def dump(params: dict, target: Path) -> dict:
    """pg_dump (custom format) to ``target``; returns row counts and size from the dump's snapshot."""
    with connect(params) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = row_counts(conn)
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        major = server_major(conn)
        tool = find_tool("pg_dump", major)
        result = subprocess.run([str(tool), "--format=custom", "--no-owner", "--no-privileges",
                                 f"--snapshot={snapshot}", f"--file={target}"],
                                env=_env(params), capture_output=True, text=True)
        conn.execute("COMMIT")
    if result.returncode != 0:
        raise PgToolError(f"pg_dump failed: {result.stderr.strip()[:2000]}")
    return {"row_counts": counts, "database_size": size, "server_major": major, "pg_dump": str(tool)}


def restore(params: dict, dump_file: Path) -> None:
    with connect(params) as conn:
        major = server_major(conn)
    tool = find_tool("pg_restore", major)
    result = subprocess.run([str(tool), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                             f"--dbname={params['dbname']}", str(dump_file)],
                            env=_env(params), capture_output=True, text=True)
    if result.returncode != 0:
        raise PgToolError(f"pg_restore failed: {result.stderr.strip()[:2000]}")


def is_empty(params: dict) -> bool:
    with connect(params) as conn:
        return not table_names(conn)


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


def verify_audit_chain(params: dict):
    """Run the audit hash-chain check on another database (a restored backup)."""
    from psycopg.rows import dict_row

    from acquirer import audit

    with connect(params) as conn, conn.cursor(name="audit_chain", row_factory=dict_row) as cursor:
        cursor.itersize = 2000
        cursor.execute("SELECT * FROM acquirer_auditevent ORDER BY id")
        return audit.verify_rows(cursor)
