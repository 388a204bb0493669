"""The login page (the one page anyone can reach) against its floor: the not-found page, the same base
layout through the same middleware stack with no form and no query."""

import logging
import sys

from _setup import django_with_scratch_db, p95, per_call, result, scaled

GOAL = 4.0


def main() -> int:
    cleanup = django_with_scratch_db()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # every 404 would be logged
    try:
        from django.test import Client

        client = Client()
        count = scaled(300, 40)

        def login_page():
            assert client.get("/accounts/login/").status_code == 200

        def floor_page():
            assert client.get("/no-such-page/").status_code == 404

        ours = p95(per_call(login_page, count))
        floor = p95(per_call(floor_page, count))
        return 0 if result("login_page_p95", ours, floor, GOAL) else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
