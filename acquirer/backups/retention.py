"""Which backups to keep: the newest of each of the last N days, weeks and months (grandfather-father-
son), and always the newest good backup. Pure: takes (id, time) pairs, returns ids to keep."""

from dataclasses import dataclass
from datetime import datetime, timedelta


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
