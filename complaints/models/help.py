"""The help centre: articles in both languages, written in Markdown, searched with PostgreSQL full text."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from complaints.models.common import in_language


class Topic(models.TextChoices):
    GETTING_STARTED = "getting_started", _("Getting started")
    DAILY_USE = "daily_use", _("Daily use of the terminal")
    TROUBLESHOOTING = "troubleshooting", _("Troubleshooting")
    SECURITY = "security", _("Security and fraud awareness")
    FEES = "fees", _("Fees and settlement")


class Article(models.Model):
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    topic = models.CharField(_("category"), max_length=16, choices=Topic.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=150)
    title_en = models.CharField(_("title (English)"), max_length=150)
    body_zh = models.TextField(_("text (Chinese, Markdown)"))
    body_en = models.TextField(_("text (English, Markdown)"))
    published = models.BooleanField(_("published"), default=False)
    helpful_yes = models.PositiveIntegerField(_("helpful"), default=0)
    helpful_no = models.PositiveIntegerField(_("not helpful"), default=0)
    # kept by the service that saves an article: titles weigh more than text; Chinese is split into
    # characters and pairs of characters first (PostgreSQL has no Chinese parser), see services/help.py
    search_vector = SearchVectorField(null=True, editable=False)
    changed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    SHARED_WITH_MERCHANTS = {"published": True}

    class Meta:
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")
        ordering = ["topic", "title_en", "id"]
        permissions = [("manage_help", "Can write and publish help articles and run training sessions")]
        indexes = [GinIndex(fields=["search_vector"], name="article_search")]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return in_language(self.title_zh, self.title_en)

    @property
    def body(self) -> str:
        return in_language(self.body_zh, self.body_en)


class ArticleVote(models.Model):
    """A reader's "was this helpful": one per person and article, the latest answer counts."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField()
    voted_at = models.DateTimeField(default=timezone.now)

    OWNER_FIELD = "user_id"  # the counts on the article are what others read

    class Meta:
        verbose_name = _("article vote")
        verbose_name_plural = _("article votes")
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="articlevote_once")]

    def __str__(self) -> str:
        return f"{self.article_id}:{self.user_id}"



