"""Reads of the blacklist, through ``access.scope`` (staff and auditors see it; merchants never do)."""

from django.db.models import Q

from acquirer.access import get_scoped, scope
from acquirer.secrets import keyed_hash
from merchants.models import BlacklistEntry

STATES = ("active", "removed")
BLACKLIST_ORDER = ("-created_at", "-id")  # served by the index blacklist_created_id_idx


def blacklist_list(*, actor, search: str = "", state: str = ""):
    """Entries, newest first. ``search`` matches the name, the reason, a USCC, or a resident ID number
    (compared by keyed hash: the clear number is never stored). ``state``: "active", "removed" or ""."""
    qs = scope(BlacklistEntry.objects.select_related("created_by", "removed_by"), actor)
    if state == "active":
        qs = qs.filter(active=True)
    elif state == "removed":
        qs = qs.filter(active=False)
    term = search.strip()
    if term:
        compact = "".join(term.split()).upper()
        condition = Q(name__icontains=term) | Q(reason__icontains=term) | Q(uscc=compact)
        if len(compact) == 18:
            condition |= Q(person_id_hash=keyed_hash(compact))
        qs = qs.filter(condition)
    return qs.order_by(*BLACKLIST_ORDER)


def blacklist_get(*, actor, pk: int) -> BlacklistEntry:
    return get_scoped(BlacklistEntry.objects.select_related("created_by", "removed_by"), actor, pk=pk)
