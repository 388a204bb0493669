"""Shared set-up of the benchmarks: Django against a scratch database, timing, and the one result line.

Every benchmark measures our code and its floor (the cheapest way to do the same thing, e.g. a plain INSERT
for an audited write) in the same run, and prints
``RESULT name ours=<s> floor=<s> ratio=<x> goal=<=<g> PASS|FAIL``; ``ours`` and ``floor`` are seconds per
operation (or for the whole run, as each script says). ``SCALE`` (default 1) shrinks the data and the counts.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acquirer.settings.test")

SCALE = float(os.environ.get("SCALE", "1"))


def scaled(count: int, minimum: int = 1) -> int:
    return max(minimum, int(count * SCALE))


def django_with_scratch_db(name: str | None = None, *, keep: bool = False):
    """Create a throw-away database ``name`` (default ``BENCH_DB``, else ``bench_acquirer``: another name for two
    runs side by side on one server), migrate it, and return a cleanup function. With ``keep`` an existing
    database of that name is reused and kept afterwards (for data that is slow to load)."""
    import django
    from django.conf import settings
    from django.db import connections

    name = name or os.environ.get("BENCH_DB", "bench_acquirer")

    django.setup()
    connection = connections["default"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep, serialize=False)

    def cleanup():
        if keep:
            connection.close()
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    return cleanup


def per_call(function, count: int, warmup: int = 10) -> list[float]:
    """Seconds taken by each of ``count`` calls of ``function`` (after ``warmup`` calls)."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)


def result(name: str, ours: float, floor: float, goal: float) -> bool:
    """Print the one line a benchmark ends with; True when ``ours / floor`` is within ``goal``."""
    ratio = ours / floor if floor > 0 else float("inf")
    passed = ratio <= goal
    print(f"RESULT {name} ours={ours:.6f} floor={floor:.6f} ratio={ratio:.2f} goal=<={goal:g} "
          f"{'PASS' if passed else 'FAIL'}", flush=True)
    return passed
