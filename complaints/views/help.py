"""The help centre and merchant training (issue #14): staff write articles and run sessions in ops; merchants
read, search and vote in the portal and sign up for training; auditors read the articles.

Shared content (articles, sessions) is never addressed by ``<int:>`` in portal URLs: an article by its slug, a
session by an id posted in the form body."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView, PortalView
from acquirer.lists import link_rows, page_count, page_from_request, query_without_position
from acquirer.selectors import audit_history
from acquirer.views.actions import PAGE_METHODS, ActionView
from complaints import roles
from complaints.forms.help import (
    ArticleFilterForm,
    ArticleForm,
    AttendanceForm,
    HelpSearchForm,
    SessionChoiceForm,
    SessionForm,
    VoteForm,
)
from complaints.models.help import Topic
from complaints.selectors import help as articles
from complaints.selectors import training as sessions
from complaints.services import help as help_svc
from complaints.services import training as training_svc

ARTICLE_FIELDS = ("slug", "topic", "title_zh", "title_en", "body_zh", "body_en")
SESSION_FIELDS = ("title_zh", "title_en", "topic", "language", "starts_at", "ends_at", "place", "capacity",
                  "materials")


# --- articles: staff ------------------------------------------------------------------------------------------------

class _ArticleListMixin:
    """Articles with filters (topic, published, full-text search), a keyset page at a time."""

    template_name = "complaints/shared/article_list.html"
    area = "ops"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ArticleFilterForm(self.request.GET)
        filters = form.cleaned_data if form.is_valid() else {}
        rows = articles.article_list(actor=self.request.user, filters=filters)
        page = page_from_request(self.request, rows, articles.ARTICLE_ORDER)
        items = list(page.object_list)
        can_manage = self.area == "ops" and self.request.user.has_perm(roles.MANAGE_HELP)
        if can_manage:
            link_rows(items, "ops:article-edit")
        ctx.update(area=self.area, form=form, page=page, articles=items, can_manage=can_manage,
                   count=page_count(rows, page, articles.ARTICLE_ORDER), query=query_without_position(self.request))
        return ctx


class OpsArticleListView(OpsView, _ArticleListMixin, TemplateView):
    permission_required = (roles.VIEW_ARTICLE,)


class AuditArticleListView(AuditorView, _ArticleListMixin, TemplateView):
    area = "audit"


class _ArticleEditorMixin:
    """Create or change an article; "Preview" renders both languages with ``article_render`` and saves nothing."""

    http_method_names = PAGE_METHODS
    permission_required = (roles.MANAGE_HELP,)
    template_name = "complaints/ops/article_form.html"
    form_class = ArticleForm

    def get_form(self, data=None, files=None):
        initial = {name: getattr(self.object, name) for name in ARTICLE_FIELDS} if self.object else {}
        return ArticleForm(data, initial=initial)

    def render_form(self, form, preview=None):
        ctx = {"area": "ops", "form": form, "article": self.object, "preview": preview}
        if self.object is not None:
            ctx["history"] = audit_history(actor=self.request.user, target=self.object)
        return render(self.request, self.template_name, ctx)

    def post(self, request, **kwargs):
        if "preview" not in request.POST:
            return super().post(request, **kwargs)
        self.object = self.get_object(**kwargs)
        form = self.get_form(request.POST)
        form.is_valid()  # show the errors, but preview whatever was written
        preview = {"zh": help_svc.article_render(request.POST.get("body_zh", "")),
                   "en": help_svc.article_render(request.POST.get("body_en", "")),
                   "title_zh": request.POST.get("title_zh", ""), "title_en": request.POST.get("title_en", "")}
        return self.render_form(form, preview=preview)

    def get_success_url(self, article):
        return reverse("ops:article-edit", kwargs={"pk": article.pk})


class OpsArticleCreateView(_ArticleEditorMixin, ActionView, OpsView):
    def perform(self, form, obj):
        self.object = help_svc.article_create(actor=self.request.user, **form.cleaned_data)
        return _("Article saved as a draft; publish it when it is ready.")


class OpsArticleEditView(_ArticleEditorMixin, ActionView, OpsView):
    def get_object(self, pk):
        return articles.article_get(actor=self.request.user, pk=pk)

    def perform(self, form, article):
        help_svc.article_update(actor=self.request.user, article=article, **form.cleaned_data)
        return _("Article saved.")


class _ArticlePublishMixin(ActionView, OpsView):
    permission_required = (roles.MANAGE_HELP,)

    def get_object(self, pk):
        return articles.article_get(actor=self.request.user, pk=pk)

    def get_success_url(self, article):
        return reverse("ops:article-edit", kwargs={"pk": article.pk})


class OpsArticlePublishView(_ArticlePublishMixin):
    def perform(self, form, article):
        help_svc.article_publish(actor=self.request.user, article=article)
        return _("Article published: merchants can read it now.")


class OpsArticleUnpublishView(_ArticlePublishMixin):
    def perform(self, form, article):
        help_svc.article_unpublish(actor=self.request.user, article=article)
        return _("Article withdrawn from the portal.")


# --- help centre: merchants -----------------------------------------------------------------------------------------

class PortalHelpHomeView(PortalView, TemplateView):
    """Topics, a search box and the most helpful articles; with a search or a topic, the matching articles."""

    template_name = "complaints/portal/help_home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        form = HelpSearchForm(self.request.GET)
        filters = form.cleaned_data if form.is_valid() else {}
        found = None
        if filters.get("q"):
            found = articles.article_search(actor=actor, text=filters["q"])
            if filters.get("topic"):
                found = [article for article in found if article.topic == filters["topic"]]
        elif filters.get("topic"):
            found = list(articles.article_list(actor=actor, filters={"topic": filters["topic"]})[:100])
        ctx.update(area="portal", form=form, found=found, topics=articles.article_topics(actor=actor),
                   most_helpful=articles.article_most_helpful(actor=actor),
                   topic_label=dict(Topic.choices).get(filters.get("topic") or ""))
        return ctx


class PortalHelpArticleView(PortalView, TemplateView):
    template_name = "complaints/portal/help_article.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        article = articles.article_get_by_slug(actor=actor, slug=self.kwargs["slug"])
        ctx.update(area="portal", article=article, body=help_svc.article_render(article.body),
                   vote=articles.article_vote_of(actor=actor, article=article))
        return ctx


class PortalHelpVoteView(ActionView, PortalView):
    form_class = VoteForm

    def get_object(self, slug):
        return articles.article_get_by_slug(actor=self.request.user, slug=slug)

    def perform(self, form, article):
        help_svc.article_vote(actor=self.request.user, article=article, helpful=form.cleaned_data["helpful"])
        return _("Thank you for your answer.")

    def get_success_url(self, article):
        return reverse("portal:help-article", kwargs={"slug": article.slug})


class PortalHelpSuggestView(PortalView, TemplateView):
    """Up to three published articles for what the merchant is writing (``?q=``), as a small HTML fragment."""

    template_name = "complaints/portal/help_suggest.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        text = self.request.GET.get("q", "")[:1000]
        ctx["suggestions"] = articles.article_suggest(actor=self.request.user, text=text) if text.strip() else []
        return ctx


# --- training: staff ------------------------------------------------------------------------------------------------

class OpsTrainingListView(OpsView, TemplateView):
    permission_required = (roles.VIEW_TRAINING,)
    template_name = "complaints/ops/training_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        when = self.request.GET.get("when", "")
        rows = sessions.session_list(actor=self.request.user, filters={"when": when})
        page = page_from_request(self.request, rows, sessions.SESSION_ORDER)
        items = link_rows(list(page.object_list), "ops:training-detail")
        ctx.update(area="ops", page=page, sessions=items, when=when, query=query_without_position(self.request),
                   count=page_count(rows, page, sessions.SESSION_ORDER),
                   can_manage=self.request.user.has_perm(roles.MANAGE_HELP))
        return ctx


class OpsTrainingDetailView(OpsView, TemplateView):
    """A session with its sign-ups, its moves and the attendance form."""

    permission_required = (roles.VIEW_TRAINING,)
    template_name = "complaints/ops/training_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        session = sessions.session_get(actor=actor, pk=self.kwargs["pk"])
        signups = list(sessions.signup_list(actor=actor, session=session))
        active = [signup for signup in signups if signup.cancelled_at is None]
        attendance = AttendanceForm(signups=active, initial={
            "attended": [signup.merchant_id for signup in active if signup.attended]})
        ctx.update(area="ops", session=session, signups=signups, attendance_form=attendance,
                   materials=help_svc.article_render(session.materials),
                   can_manage=actor.has_perm(roles.MANAGE_HELP), history=audit_history(actor=actor, target=session))
        return ctx


class _SessionEditorMixin:
    http_method_names = PAGE_METHODS
    permission_required = (roles.MANAGE_HELP,)
    template_name = "complaints/ops/training_form.html"

    def get_form(self, data=None, files=None):
        initial = {name: getattr(self.object, name) for name in SESSION_FIELDS} if self.object else {}
        return SessionForm(data, initial=initial)

    def render_form(self, form):
        return render(self.request, self.template_name, {"area": "ops", "form": form, "session": self.object})

    def get_success_url(self, session):
        return reverse("ops:training-detail", kwargs={"pk": session.pk})


class OpsTrainingCreateView(_SessionEditorMixin, ActionView, OpsView):
    def perform(self, form, obj):
        self.object = training_svc.session_create(actor=self.request.user, **form.cleaned_data)
        return _("Training session scheduled.")


class OpsTrainingEditView(_SessionEditorMixin, ActionView, OpsView):
    def get_object(self, pk):
        return sessions.session_get(actor=self.request.user, pk=pk)

    def perform(self, form, session):
        changed = {name: value for name, value in form.cleaned_data.items()}
        training_svc.session_update(actor=self.request.user, session=session, **changed)
        return _("Training session saved.")


class _SessionActionMixin(ActionView, OpsView):
    permission_required = (roles.MANAGE_HELP,)

    def get_object(self, pk):
        return sessions.session_get(actor=self.request.user, pk=pk)

    def get_success_url(self, session):
        return reverse("ops:training-detail", kwargs={"pk": session.pk})


class OpsTrainingCancelView(_SessionActionMixin):
    def perform(self, form, session):
        training_svc.session_cancel(actor=self.request.user, session=session,
                                    reason=self.request.POST.get("reason", "")[:500])
        return _("Training session cancelled.")


class OpsTrainingHeldView(_SessionActionMixin):
    def perform(self, form, session):
        training_svc.session_mark_held(actor=self.request.user, session=session)
        return _("Training session recorded as held; record who attended.")


class OpsTrainingAttendanceView(_SessionActionMixin):
    def get_form(self, data=None, files=None):
        active = [signup for signup in sessions.signup_list(actor=self.request.user, session=self.object)
                  if signup.cancelled_at is None]
        return AttendanceForm(data, signups=active)

    def perform(self, form, session):
        present = training_svc.training_attendance_record(actor=self.request.user, session=session,
                                                          attended_merchant_ids=form.cleaned_data["attended"])
        return _("Attendance recorded: %(n)d attended.") % {"n": present}


# --- training: merchants --------------------------------------------------------------------------------------------

class PortalTrainingListView(PortalView, TemplateView):
    """Upcoming sessions with places left and a sign-up button; the merchant's own trainings with attendance."""

    template_name = "complaints/portal/training_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actor = self.request.user
        upcoming = sessions.session_upcoming(actor=actor)
        for session in upcoming:
            session.materials_html = help_svc.article_render(session.materials)
        ctx.update(area="portal", upcoming=upcoming,
                   mine=list(sessions.my_signups(actor=actor)[:100]),
                   signed_up=sessions.my_signed_up_session_ids(actor=actor))
        return ctx


class _PortalSignupMixin(ActionView, PortalView):
    form_class = SessionChoiceForm

    def perform(self, form, obj):
        try:
            session = sessions.session_get(actor=self.request.user, pk=form.cleaned_data["session"])
        except Http404:
            raise ValidationError(_("This training session does not exist.")) from None
        return self.act(session)

    def get_success_url(self, obj):
        return reverse("portal:training-list")


class PortalTrainingSignupView(_PortalSignupMixin):
    def act(self, session):
        training_svc.training_signup(actor=self.request.user, session=session)
        return _("You have a place on “%(title)s”.") % {"title": session.title}


class PortalTrainingSignupCancelView(_PortalSignupMixin):
    def act(self, session):
        training_svc.training_signup_cancel(actor=self.request.user, session=session)
        return _("Your place on “%(title)s” was given back.") % {"title": session.title}


ops_patterns = [
    path("help/articles/", OpsArticleListView.as_view(), name="article-list"),
    path("help/articles/new/", OpsArticleCreateView.as_view(), name="article-create"),
    path("help/articles/<int:pk>/", OpsArticleEditView.as_view(), name="article-edit"),
    path("help/articles/<int:pk>/publish/", OpsArticlePublishView.as_view(), name="article-publish"),
    path("help/articles/<int:pk>/unpublish/", OpsArticleUnpublishView.as_view(), name="article-unpublish"),
    path("training/", OpsTrainingListView.as_view(), name="training-list"),
    path("training/new/", OpsTrainingCreateView.as_view(), name="training-create"),
    path("training/<int:pk>/", OpsTrainingDetailView.as_view(), name="training-detail"),
    path("training/<int:pk>/edit/", OpsTrainingEditView.as_view(), name="training-edit"),
    path("training/<int:pk>/cancel/", OpsTrainingCancelView.as_view(), name="training-cancel"),
    path("training/<int:pk>/held/", OpsTrainingHeldView.as_view(), name="training-held"),
    path("training/<int:pk>/attendance/", OpsTrainingAttendanceView.as_view(), name="training-attendance"),
]
portal_patterns = [
    path("help/", PortalHelpHomeView.as_view(), name="help-home"),
    path("help/suggest/", PortalHelpSuggestView.as_view(), name="help-suggest"),
    path("help/<slug:slug>/", PortalHelpArticleView.as_view(), name="help-article"),
    path("help/<slug:slug>/vote/", PortalHelpVoteView.as_view(), name="help-vote"),
    path("training/", PortalTrainingListView.as_view(), name="training-list"),
    path("training/signup/", PortalTrainingSignupView.as_view(), name="training-signup"),
    path("training/signup/cancel/", PortalTrainingSignupCancelView.as_view(), name="training-signup-cancel"),
]
audit_patterns = [
    path("help/articles/", AuditArticleListView.as_view(), name="article-list"),
]
