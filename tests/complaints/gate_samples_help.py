"""Gate matrix samples of the help centre and training URLs: a published article and a session with merchant A's
sign-up (portal URLs address shared content by slug or by a posted id, never by ``<int:>``)."""

from datetime import timedelta

from django.utils import timezone

from complaints.models import Article, TrainingSession, TrainingSignup


def build(ctx) -> None:
    staff = ctx["users"]["customer_service"]
    ctx["help_article"] = Article.objects.create(
        slug="gate-article", topic="daily_use", title_zh="门禁文章", title_en="Gate article", body_zh="正文",
        body_en="Text", published=True, changed_by=staff)
    # publish/unpublish POST without a form: they get an article of their own, so the portal pages keep theirs
    ctx["help_article_moves"] = Article.objects.create(
        slug="gate-article-moves", topic="fees", title_zh="门禁文章二", title_en="Gate article two", body_zh="正文",
        body_en="Text", published=True, changed_by=staff)
    starts = timezone.now() + timedelta(days=5)
    session = TrainingSession.objects.create(
        title_zh="门禁培训", title_en="Gate training", topic="daily_use", language="zh-hans", starts_at=starts,
        ends_at=starts + timedelta(hours=1), place="Online", capacity=10, created_by=staff)
    ctx["help_session"] = session
    TrainingSignup.objects.create(session=session, merchant=ctx["merchant_a"], signed_up_by=ctx["users"]["merchant_a"])


def samples(ctx) -> dict:
    session = {"pk": ctx["help_session"].pk}
    return {
        "ops:article-edit": {"pk": ctx["help_article"].pk},
        **{name: {"pk": ctx["help_article_moves"].pk} for name in ("ops:article-publish", "ops:article-unpublish")},
        **{name: session for name in ("ops:training-detail", "ops:training-edit", "ops:training-cancel",
                                      "ops:training-held", "ops:training-attendance")},
        **{name: {"slug": "gate-article"} for name in ("portal:help-article", "portal:help-vote")},
    }
