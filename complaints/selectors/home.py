"""Reads of the merchant's home page (``portal:home``): its open complaints and the help articles other readers
found most helpful, one query each over what the merchant may see (``acquirer.access.scope``), whatever the data."""

from acquirer.access import scope
from acquirer.lists import bounded_count
from complaints.models import Article, Complaint

SUGGESTED = 3


def open_complaint_count(*, actor):
    """The complaints ``actor`` may see that are still open (counted up to a limit: one query)."""
    return bounded_count(scope(Complaint.objects.filter(status__in=Complaint.OPEN), actor))


def suggested_articles(*, actor, limit: int = SUGGESTED) -> list[Article]:
    """Up to ``limit`` published help articles, the most helpful first (then the newest changed): one query of the
    few columns a link needs."""
    return list(scope(Article.objects.filter(published=True), actor)
                .only("id", "slug", "title_zh", "title_en", "helpful_yes", "helpful_no")
                .order_by("-helpful_yes", "helpful_no", "-changed_at", "id")[:limit])
