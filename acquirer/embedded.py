"""Run a command against the embedded PostgreSQL when no DATABASE_URL is set.

    python -m acquirer.embedded python manage.py migrate
    python -m acquirer.embedded url          # start (if needed) and print the URL

The server comes from the ``pgserver`` wheel (PostgreSQL 16 binaries in a pip package), keeps its
data under ``var/pgdata`` and listens only on a Unix socket inside that folder. It is stopped when
the last command using it exits. When DATABASE_URL is already set, the command simply runs.
"""

import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("ACQUIRER_VAR_DIR", BASE_DIR / "var")) / "pgdata"


def start_server():
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    return pgserver.get_server(PGDATA, cleanup_mode="stop")


DATABASE_NAME = "acquirer"


def database_url(server) -> str:
    """A URL for the ``acquirer`` database on the server's Unix socket; creates the database once."""
    import psycopg

    info = server.get_postmaster_info()
    host = quote(str(info.socket_dir), safe="")
    with psycopg.connect(host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return f"postgres://postgres@{host}:{info.port}/{DATABASE_NAME}"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    if os.environ.get("DATABASE_URL"):
        if argv == ["url"]:
            print(os.environ["DATABASE_URL"])
            return 0
        return subprocess.call(argv)
    import psycopg

    try:
        server = start_server()
        url = database_url(server)
    except (psycopg.OperationalError, subprocess.SubprocessError, OSError, RuntimeError) as error:
        # One line, not a traceback: the embedded server did not start or does not answer.
        from acquirer.database import connection_error_reason

        print(f"error: the embedded PostgreSQL ({PGDATA}) did not start: {connection_error_reason(error)}",
              file=sys.stderr)
        return 1
    if argv == ["url"]:
        print(url)
        return 0
    env = {**os.environ, "DATABASE_URL": url}
    child = subprocess.Popen(argv, env=env)

    def forward(signum, _frame):
        # Pass the signal on and let the child finish; then atexit stops the server.
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return child.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
