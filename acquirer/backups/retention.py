"""Which backups to keep. Pure functions: they take ids, times and facts, and return ids to keep.

:func:`keep` is grandfather-father-son over VERIFIED backups only (the newest of each of the last N
days, weeks and months, and always the newest). :func:`plan` adds what must never be deleted: every
backup of the last 24 hours, a verified backup whose audit chain no newer verified backup was checked
to extend (it is the last proof of the trail before a gap), backups still waiting for verification,
and recent failed verifications (evidence).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

RECENT = timedelta(hours=24)


@dataclass(frozen=True)
class Policy:
    daily: int = 7
    weekly: int = 5
    monthly: int = 12


def _month_index(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def keep(backups: list[tuple[int, datetime]], now: datetime, policy: Policy = Policy()) -> set[int]:
    if not backups:
        return set()
    newest_first = sorted(backups, key=lambda item: item[1], reverse=True)
    today = now.date()
    this_week = today - timedelta(days=today.weekday())
    this_month = _month_index(now)
    kept: set[int] = {newest_first[0][0]}
    seen_days, seen_weeks, seen_months = set(), set(), set()
    for backup_id, moment in newest_first:
        day = moment.date()
        week = day - timedelta(days=day.weekday())
        month = _month_index(moment)
        if (today - day).days < policy.daily and day not in seen_days:
            kept.add(backup_id)
        if (this_week - week).days // 7 < policy.weekly and week not in seen_weeks:
            kept.add(backup_id)
        if this_month - month < policy.monthly and month not in seen_months:
            kept.add(backup_id)
        seen_days.add(day)
        seen_weeks.add(week)
        seen_months.add(month)
    return kept


@dataclass(frozen=True)
class Candidate:
    id: int
    created_at: datetime
    status: str  # "verified", "completed" (waiting for verification) or "verification_failed"
    anchored: bool = False  # the manifest carries a signed audit checkpoint
    extended: bool = False  # a newer verified backup's audit chain was checked to pass through it


def plan(candidates: list[Candidate], now: datetime, policy: Policy = Policy()) -> set[int]:
    """Ids of the backups to keep; every other candidate may be deleted."""
    verified = [c for c in candidates if c.status == "verified"]
    kept = keep([(c.id, c.created_at) for c in verified], now, policy)
    newest_verified = max((c.created_at for c in verified), default=None)
    for c in candidates:
        if now - c.created_at < RECENT:
            kept.add(c.id)
        elif c.status == "verified" and c.anchored and not c.extended:
            kept.add(c.id)
        elif c.status == "completed" and (newest_verified is None or c.created_at > newest_verified):
            kept.add(c.id)
        elif c.status == "verification_failed" and (now - c.created_at).days < policy.daily:
            kept.add(c.id)
    return kept
