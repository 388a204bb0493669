"""The help centre's reads, all through ``acquirer.access.scope`` (a merchant sees published articles only)."""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, F

from acquirer.access import get_scoped, scope
from complaints.models import Article, ArticleVote
from complaints.models.help import Topic
from complaints.search import is_cjk, query_terms

ARTICLE_ORDER = ("topic", "title_en", "id")


def _term_query(term: str) -> SearchQuery:
    if is_cjk(term):
        return SearchQuery(term, config="simple", search_type="phrase")
    return SearchQuery(term, config="english", search_type="plain") | SearchQuery(term, config="simple",
                                                                                    search_type="plain")


def search_query(text: str, *, any_term: bool = False) -> SearchQuery | None:
    """The tsquery of ``text``: every term (search) or any term (suggestions); None when it has no term."""
    terms = query_terms(text)
    if not terms:
        return None
    query = _term_query(terms[0])
    for term in terms[1:]:
        query = (query | _term_query(term)) if any_term else (query & _term_query(term))
    return query


def article_list(*, actor, filters: dict | None = None):
    """Articles the actor may read. Filters: topic, published ("yes"/"no"), q (full-text, every term)."""
    filters = filters or {}
    queryset = scope(Article.objects.all(), actor).select_related("changed_by")
    if filters.get("topic"):
        queryset = queryset.filter(topic=filters["topic"])
    if filters.get("published") in ("yes", "no"):
        queryset = queryset.filter(published=filters["published"] == "yes")
    query = search_query(filters.get("q") or "")
    if query is not None:
        queryset = queryset.filter(search_vector=query)
    return queryset


def article_get(*, actor, pk: int) -> Article:
    return get_scoped(Article.objects.select_related("changed_by"), actor, pk=pk)


def article_get_by_slug(*, actor, slug: str) -> Article:
    return get_scoped(Article.objects.all(), actor, slug=slug)


def article_search(*, actor, text: str, limit: int = 20) -> list[Article]:
    """Published-or-visible articles matching every term of ``text``, best first."""
    query = search_query(text)
    if query is None:
        return []
    return list(scope(Article.objects.all(), actor).filter(search_vector=query)
                .annotate(rank=SearchRank(F("search_vector"), query)).order_by("-rank", "id")[:limit])


def article_suggest(*, actor, text: str, limit: int = 3) -> list[Article]:
    """Up to ``limit`` published articles sharing any term with ``text`` (a complaint being written), best first.
    Only published articles, whoever asks (staff included): a suggestion is something to send a merchant to."""
    query = search_query(text, any_term=True)
    if query is None:
        return []
    return list(scope(Article.objects.filter(published=True), actor).filter(search_vector=query)
                .annotate(rank=SearchRank(F("search_vector"), query)).order_by("-rank", "id")[:limit])


def article_most_helpful(*, actor, limit: int = 5) -> list[Article]:
    return list(scope(Article.objects.filter(published=True, helpful_yes__gt=0), actor)
                .order_by("-helpful_yes", "helpful_no", "id")[:limit])


def article_topics(*, actor) -> list[dict]:
    """Each topic with its number of articles the actor may read (one query)."""
    counts = dict(scope(Article.objects.all(), actor).order_by().values_list("topic").annotate(n=Count("id")))
    return [{"value": value, "label": label, "count": counts.get(value, 0)} for value, label in Topic.choices]


def article_vote_of(*, actor, article: Article) -> ArticleVote | None:
    """The actor's own vote on ``article`` (votes are scoped to their owner)."""
    return scope(ArticleVote.objects.filter(article=article), actor).first()
