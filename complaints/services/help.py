"""The help centre's writes: articles (bilingual Markdown, published or not), their search vector, votes; and the
one safe way to turn Markdown into HTML (``article_render``)."""

import nh3
from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import F, Value
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from acquirer import audit
from acquirer.exceptions import DomainError
from acquirer.policy import require_permission
from complaints import roles
from complaints.models import Article, ArticleVote
from complaints.models.help import Topic
from complaints.search import segment

# raw HTML off (js-default: no html, no linkify; tables and strikethrough on); markdown-it also refuses
# javascript:/vbscript:/data: links itself, nh3 is the second wall
_MARKDOWN = MarkdownIt("js-default", {"html": False})
ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "strong", "em", "s", "del", "code", "pre",
    "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"
RESERVED_SLUGS = {"suggest"}  # portal:help-suggest lives at help/suggest/
EDITABLE = ("slug", "topic", "title_zh", "title_en", "body_zh", "body_en")


def article_render(markdown_text: str) -> SafeString:
    """``markdown_text`` as HTML that is safe to show: Markdown without raw HTML, then an allow-list of tags and
    attributes (no images, no scripts, no event handlers, links only to http(s)/mailto with rel=nofollow)."""
    html = _MARKDOWN.render(markdown_text or "")
    cleaned = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                        link_rel=LINK_REL, strip_comments=True)
    return mark_safe(cleaned)  # noqa: S308 — cleaned by nh3 with an explicit allow-list just above


def _index(article: Article) -> None:
    """Store the article's weighted search vector: titles A, bodies B; English stemmed and as written, Chinese
    split into characters and pairs (``complaints.search.segment``)."""
    parts = [
        SearchVector(Value(article.title_en), config="english", weight="A"),
        SearchVector(Value(article.title_en + " " + segment(article.title_zh)), config="simple", weight="A"),
        SearchVector(Value(article.body_en), config="english", weight="B"),
        SearchVector(Value(article.body_en + " " + segment(article.body_zh)), config="simple", weight="B"),
    ]
    vector = parts[0]
    for part in parts[1:]:
        vector = vector + part
    Article.objects.filter(pk=article.pk).update(search_vector=vector)


def _clean_fields(fields: dict, *, exclude_pk=None) -> dict:
    values = {name: (fields[name] or "").strip() for name in EDITABLE if name in fields}
    missing = [name for name in EDITABLE if name in values and not values[name]]
    if missing:
        raise DomainError(_("Every field of an article is required (title and text in both languages)."))
    if "topic" in values and values["topic"] not in Topic.values:
        raise DomainError(_("Choose a topic from the list."))
    if values.get("slug") in RESERVED_SLUGS:
        raise DomainError(_("This address is reserved; choose another."))
    if "slug" in values:
        taken = Article.objects.filter(slug=values["slug"])
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            raise DomainError(_("Another article already uses this address."))
    return values


@transaction.atomic
def article_create(*, actor, slug: str, topic: str, title_zh: str, title_en: str, body_zh: str, body_en: str,
                   published: bool = False) -> Article:
    require_permission(actor, roles.MANAGE_HELP)
    values = _clean_fields({"slug": slug, "topic": topic, "title_zh": title_zh, "title_en": title_en,
                            "body_zh": body_zh, "body_en": body_en})
    article = Article.objects.create(**values, published=bool(published), changed_by=actor,
                                     changed_at=timezone.now())
    _index(article)
    audit.record("article.created", actor=actor, target=article,
                 after=audit.snapshot(article, ("slug", "topic", "title_zh", "title_en", "published")))
    return article


@transaction.atomic
def article_update(*, actor, article: Article, **fields) -> Article:
    """Change any of slug, topic, titles and bodies (publishing has its own services)."""
    require_permission(actor, roles.MANAGE_HELP)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"article_update: unknown fields {sorted(unknown)}")
    article = Article.objects.select_for_update().get(pk=article.pk)
    values = _clean_fields(fields, exclude_pk=article.pk)
    changed = [name for name, value in values.items() if getattr(article, name) != value]
    if not changed:
        return article
    before = audit.snapshot(article, changed)
    for name in changed:
        setattr(article, name, values[name])
    article.changed_by = actor
    article.changed_at = timezone.now()
    article.save(update_fields=[*changed, "changed_by", "changed_at"])
    _index(article)
    audit.record("article.changed", actor=actor, target=article, before=before,
                 after=audit.snapshot(article, changed), data={"fields": ", ".join(changed)})
    return article


def _set_published(*, actor, article: Article, published: bool, action: str) -> Article:
    require_permission(actor, roles.MANAGE_HELP)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.published == published:
        raise DomainError(_("The article is already published.") if published
                          else _("The article is not published."))
    article.published = published
    article.changed_by = actor
    article.changed_at = timezone.now()
    article.save(update_fields=["published", "changed_by", "changed_at"])
    audit.record(action, actor=actor, target=article, before={"published": not published},
                 after={"published": published})
    return article


@transaction.atomic
def article_publish(*, actor, article: Article) -> Article:
    return _set_published(actor=actor, article=article, published=True, action="article.published")


@transaction.atomic
def article_unpublish(*, actor, article: Article) -> Article:
    return _set_published(actor=actor, article=article, published=False, action="article.unpublished")


@transaction.atomic
def article_vote(*, actor, article: Article, helpful: bool) -> ArticleVote:
    """The reader's "was this helpful": one vote per person; a changed answer moves the counts."""
    if getattr(actor, "kind", None) == "merchant":
        require_permission(actor, "", kinds=("merchant",))
    else:
        require_permission(actor, roles.VIEW_ARTICLE)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if not article.published:
        raise DomainError(_("Only published articles take votes."))
    helpful = bool(helpful)
    vote = ArticleVote.objects.select_for_update().filter(article=article, user=actor).first()
    if vote is not None and vote.helpful == helpful:
        return vote
    counts = {"helpful_yes": F("helpful_yes") + 1} if helpful else {"helpful_no": F("helpful_no") + 1}
    if vote is None:
        vote = ArticleVote.objects.create(article=article, user=actor, helpful=helpful)
    else:
        counts.update({"helpful_no": F("helpful_no") - 1} if helpful else {"helpful_yes": F("helpful_yes") - 1})
        vote.helpful = helpful
        vote.voted_at = timezone.now()
        vote.save(update_fields=["helpful", "voted_at"])
    Article.objects.filter(pk=article.pk).update(**counts)
    audit.record("article.voted", actor=actor, target=article, data={"helpful": helpful})
    return vote
