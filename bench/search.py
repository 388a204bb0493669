"""The transaction search at 10,000,000 ledger rows (``SCALE`` shrinks them) spread over 90 days and up to
100,000 terminals of the scale data set: the ops search's first page, a deep page (the keyset cursor followed
:data:`DEEP` pages in, then that page timed), and a filtered page (merchant + date range + channel), each p95
against the p95 of the trivial signed-in page of the same person (the empty notification list), in turn; and the
number of queries of each page, which must not depend on the data (the filtered page resolves the MID: one query
more). Goal ≤ 3 × for time, and no page with more queries than the first page plus that look-up."""

import re
import sys
import time
from datetime import timedelta

from _ledger import ensure_ledger
from _scale import clients, scale_db
from _setup import SCALE, p95, result

GOAL = 3.0
SAMPLES = 40
DEEP = 200  # pages
ROWS = 10_000_000
NEXT = re.compile(r'rel="next" href="\?([^"]+)"')


def alternating(page, floor, count: int, warmup: int = 3):
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
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse
        from django.utils import timezone

        held = ensure_ledger(max(1000, int(ROWS * SCALE)), 90)
        print(f"ledger: about {held:,} rows", flush=True)
        client = clients()["ops"]
        url, trivial = reverse("ops:transaction-list"), reverse("notifications")
        with connection.cursor() as cursor:  # a merchant with rows: the one of the newest row
            cursor.execute("SELECT mid FROM transactions_transaction ORDER BY at DESC, id DESC LIMIT 1")
            mid = cursor.fetchone()[0]
        cursor_query = ""
        for _page in range(DEEP):
            found = NEXT.search(client.get(f"{url}?{cursor_query}").content.decode())
            if not found:
                break
            cursor_query = found.group(1).replace("&amp;", "&")
        today = timezone.localdate()
        pages = {
            "search_first": "",
            "search_deep": cursor_query,
            "search_filtered": f"mid={mid}&date_from={today - timedelta(days=30)}&date_to={today}&channel=chip",
        }
        passed = True
        queries = {}
        for name, query in pages.items():
            def get(q=query):
                response = client.get(f"{url}?{q}")
                assert response.status_code == 200, response.status_code

            with CaptureQueriesContext(connection) as captured:
                get()
            queries[name] = len(captured)
            ours, floor = alternating(get, lambda: client.get(trivial), SAMPLES)
            passed &= result(name, p95(ours), p95(floor), GOAL)
        print(f"queries per page: {queries}", flush=True)
        passed &= result("search_queries", max(queries.values()), queries["search_first"] + 1, 1.0)
        return 0 if passed else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
