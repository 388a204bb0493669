"""`make run`: migrate, seed on first start, then serve the portal with a Celery worker and the
scheduler (beat) really running. Stops all of them on Ctrl-C. Run under ``acquirer.embedded`` when
no DATABASE_URL is set."""

import os
import secrets
import signal
import string
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("ACQUIRER_VAR_DIR", BASE_DIR / "var"))
PASSWORD_FILE = VAR / "demo-password"
HOST = os.environ.get("ACQUIRER_HOST", "127.0.0.1")
PORT = os.environ.get("ACQUIRER_PORT", "8000")


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True)


def demo_password() -> str:
    if PASSWORD_FILE.exists():
        return PASSWORD_FILE.read_text().strip()
    alphabet = string.ascii_letters + string.digits
    password = "Demo" + "".join(secrets.choice(alphabet) for _ in range(8)) + str(secrets.randbelow(90) + 10)
    VAR.mkdir(parents=True, exist_ok=True)
    PASSWORD_FILE.write_text(password)
    PASSWORD_FILE.chmod(0o600)
    return password


def relay_until_ready(lines, out, banner) -> None:
    """Copy the worker's output to ``out``; once it says it is ready, print the banner again, so the demo
    password is the last thing on screen rather than buried in the worker's start-up output."""
    shown = False
    for line in lines:
        out.write(line)
        if not shown and " ready." in line:
            shown = True
            banner()


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acquirer.settings.dev")
    manage("migrate", "--noinput", "-v", "0")
    manage("createcachetable")
    manage("seed_demo", "--password", demo_password())
    broker = "Redis at REDIS_URL" if os.environ.get("REDIS_URL") else "embedded broker (var/celery)"

    def banner() -> None:
        print(f"\nAcquirer Back Office at http://{HOST}:{PORT}/  (worker + scheduler on the {broker})", flush=True)
        print(f"Demo password for every demo user: {demo_password()}  (also in {PASSWORD_FILE})\n", flush=True)

    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "acquirer", "worker", "-B", "-P", "solo",
                               "-l", "INFO", "--schedule", str(VAR / "celerybeat-schedule")], cwd=BASE_DIR,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    processes = [
        worker,
        subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"{HOST}:{PORT}"], cwd=BASE_DIR),
    ]

    threading.Thread(target=relay_until_ready, args=(worker.stdout, sys.stdout, banner), daemon=True).start()
    banner()

    def stop(*_args):
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
