"""Lists, searches and jobs at a national acquirer's size, each against the trivial signed-in page of the same role.

Loads the scale data set (``acquirer.scale``: 100,000 merchants, 1,000,000 terminals, 200,000 tickets and work
orders, 2,000,000 audit events at ``SCALE=1``) into a scratch database with COPY, then measures the p95 of every
list page — first page, last page (``before=last``), a search by identifier, a filter — against the p95 of the
trivial page of the same role (the base layout with its menu and nothing else: the person's empty notification
list), in the same run. ``BENCH_KEEP=1`` keeps the database (``bench_scale``) for a second run, which then skips
the load.
"""

import sys

from _scale import clients, identifiers, pages, scale_db
from _setup import p95, result

PAGE_GOAL = 3.0
SAMPLES = 40  # per page and per trivial page: p95 of 40 is the second-slowest, not the single slowest


def alternating(page, floor, count: int, warmup: int = 3) -> tuple[list[float], list[float]]:
    """Seconds of ``count`` calls of ``page`` and of ``floor``, called in turn after ``warmup`` calls of each."""
    import time

    for _ in range(warmup):
        floor()
        page()
    pages, floors = [], []
    for _ in range(count):
        for function, times in ((floor, floors), (page, pages)):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
    return pages, floors


def main() -> int:
    cleanup = scale_db()
    try:
        from django.urls import reverse

        signed_in = clients()
        trivial = reverse("notifications")
        passed = True
        for name, role, url_name, query in pages(identifiers()):
            client, url = signed_in[role], reverse(url_name)

            def get(c=client, u=url, q=query):
                status = c.get(u, q).status_code
                assert status in (200, 302), f"{u} {q}: {status}"

            ours, floor = alternating(get, lambda c=client: c.get(trivial), SAMPLES)
            passed &= result(f"scale_{name}", p95(ours), p95(floor), PAGE_GOAL)
        return 0 if passed else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
