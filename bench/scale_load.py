"""Several people at once over the full data set: 4 concurrent users, each signed in as one of the roles,
requesting a weighted mix of the list pages ``scale.py`` measures (first pages most often, then filters and
searches, then last pages) for 60 s (``SCALE`` shrinks it, to no less than 10 s), each pausing 0.25–1 s between
clicks as a person reading the page does (locust's ``wait_time``; without it the four clients would keep four
requests in flight on two cores at every moment — a stress test, not four people at work), against a real server:
``gunicorn acquirer.wsgi -w 3`` (gunicorn is in requirements.txt).

The server runs the test settings (no TLS, no MFA; the production settings insist on HTTPS) against
``bench_scale``; the users' sessions are made server-side (``force_login``), as a login would make them.

Two lines: ``load_p95`` — the p95 of every response, against 100 ms; ``load_errors`` — the number of requests that
failed or were answered neither 200 nor 302 (an exact search goes to its one match) or sent to sign in, against
1, goal 0.
"""

import http.client
import os
import random
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode, urlsplit, urlunsplit

from _scale import DB, identifiers, pages, scale_db, users
from _setup import ROOT, SCALE, p95, result

WORKERS = 3
P95_BUDGET_S = 0.100
THINK_S = (0.25, 1.0)  # a person reads the page before the next click: a pause drawn from this range
ROLES = ("ops", "audit", "portal", "ops")  # one role per concurrent user


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    """The server on ``port`` against the scale database, ready to answer."""
    url = urlsplit(os.environ["DATABASE_URL"])
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "acquirer.settings.test",
           "DATABASE_URL": urlunsplit(url._replace(path=f"/{DB}"))}
    command = [sys.executable, "-m", "gunicorn", "acquirer.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            _get(port, "/accounts/login/", "")
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("the server did not start")


def _get(port: int, path: str, cookie: str) -> tuple[int, str]:
    """The status of a GET of ``path`` and where it redirects to."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location", "")
    finally:
        connection.close()


def _cookies() -> dict:
    """A session cookie per role, the session stored in the database like a login stores it."""
    from django.conf import settings
    from django.test import Client

    cookies = {}
    for role, user in users().items():
        client = Client()
        client.force_login(user)
        cookies[role] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; " \
                        f"django_language=en"
    return cookies


def _mix() -> dict:
    """Per role the paths to request and their weights: first pages 3, searches and filters 2, last pages 1."""
    from django.urls import reverse

    mix = {}
    for name, role, url_name, query in pages(identifiers()):
        weight = 3 if name.endswith("_first") else 1 if name.endswith("_last") else 2
        path = reverse(url_name) + (f"?{urlencode(query)}" if query else "")
        paths, weights = mix.setdefault(role, ([], []))
        paths.append(path)
        weights.append(weight)
    return mix


def _user(port: int, cookie: str, paths, weights, until: float, seed: int, times: list, errors: list) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        path = rng.choices(paths, weights)[0]
        start = time.perf_counter()
        try:
            status, location = _get(port, path, cookie)
        except OSError as error:
            status, location = repr(error), ""
        times.append(time.perf_counter() - start)
        # a search for one exact identifier redirects to the one match; a redirect to sign in is a failure
        if status not in (200, 302) or "/accounts/" in location:
            errors.append((path, status, location))
        time.sleep(rng.uniform(*THINK_S))


def main() -> int:
    cleanup = scale_db()
    server = None
    try:
        from django.db import connections

        cookies, mix = _cookies(), _mix()
        connections.close_all()
        port = _free_port()
        server = _start_server(port)
        duration = max(10.0, 60 * SCALE)
        until = time.monotonic() + duration
        times, errors = [], []
        threads = [threading.Thread(target=_user, args=(port, cookies[role], *mix[role], until, n, times, errors))
                  for n, role in enumerate(ROLES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(f"load: {len(times)} requests by {len(ROLES)} users in {duration:.0f} s "
              f"({len(times) / duration:.1f}/s), errors {errors[:5]}", flush=True)
        passed = result("load_p95", p95(times), P95_BUDGET_S, 1.0)
        passed &= result("load_errors", len(errors), 1, 0)
        return 0 if passed else 1
    finally:
        if server:
            server.terminate()
            server.wait(30)
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
