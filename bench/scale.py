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
from _setup import p95, per_call, result, scaled

PAGE_GOAL = 3.0


def main() -> int:
    cleanup = scale_db()
    try:
        from django.urls import reverse

        signed_in = clients()
        count = scaled(30, 12)
        floors = {}
        for role, client in signed_in.items():
            url = reverse("notifications")
            floors[role] = p95(per_call(lambda c=client, u=url: c.get(u), count))
        passed = True
        for name, role, url_name, query in pages(identifiers()):
            client, url = signed_in[role], reverse(url_name)

            def get(c=client, u=url, q=query):
                status = c.get(u, q).status_code
                assert status in (200, 302), f"{u} {q}: {status}"

            passed &= result(f"scale_{name}", p95(per_call(get, count, warmup=2)), floors[role], PAGE_GOAL)
        return 0 if passed else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
