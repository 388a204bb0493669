"""Staff area (/ops/): dashboard, scheduled jobs, user accounts."""

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from acquirer.access import OpsView
from acquirer.forms import ReasonForm
from acquirer.lists import page_from_request, query_without_position
from acquirer.schedule import job_title
from acquirer.selectors import (
    audit_history,
    job_overview,
    job_run_list,
    locked_usernames,
    user_get,
    user_list,
)
from acquirer.services.jobs import job_run_request
from acquirer.services.users import user_disable, user_enable, user_unlock
from acquirer.views.actions import ActionView
from acquirer.views.common import BackupListMixin


class OpsHomeView(OpsView, TemplateView):
    template_name = "acquirer/ops/ops_home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["roles"] = sorted(g.name for g in user.groups.all())
        if user.has_perm("acquirer.view_jobrun"):
            ctx["jobs"] = job_overview(actor=user)
        return ctx


class JobListView(OpsView, TemplateView):
    template_name = "acquirer/ops/job_list.html"
    permission_required = ("acquirer.view_jobrun",)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["jobs"] = job_overview(actor=self.request.user)
        ctx["runs"] = job_run_list(actor=self.request.user)[:50]
        ctx["can_run"] = self.request.user.has_perm("acquirer.run_job")
        return ctx


class JobRunNowView(ActionView, OpsView):
    permission_required = ("acquirer.run_job",)

    def get_object(self, job):
        return job

    def perform(self, form, job):
        message = job_run_request(actor=self.request.user, job=job)
        if message.sent_at:
            return _("Job %(job)s queued; its run will appear below.") % {"job": job_title(job)}
        # the broker did not take it: the outbox relay sends it once the task queue is back
        messages.warning(self.request, _("The task queue is unreachable right now. Job %(job)s is saved and will "
                                         "start as soon as the queue is back.") % {"job": job_title(job)})
        return ""

    def get_success_url(self, job):
        return reverse("ops:job-list")


class BackupListView(OpsView, BackupListMixin, ListView):
    template_name = "acquirer/ops/backup_list.html"
    permission_required = ("acquirer.view_backup",)


USER_ORDER = ("kind", "username")  # served by the (kind, username) index; usernames are unique


class UserListView(OpsView, TemplateView):
    template_name = "acquirer/ops/user_list.html"
    permission_required = ("acquirer.manage_users",)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        inactivity = self.request.GET.get("disabled") == "inactivity"
        users = user_list(actor=self.request.user, disabled_for_inactivity=inactivity)
        page = page_from_request(self.request, users, USER_ORDER)
        ctx.update(page=page, users=page.object_list, query=query_without_position(self.request),
                   showing_inactivity=inactivity)
        ctx["locked"] = locked_usernames(actor=self.request.user)
        ctx["form"] = ReasonForm()
        return ctx


class UserDetailView(OpsView, TemplateView):
    template_name = "acquirer/ops/user_detail.html"
    permission_required = ("acquirer.manage_users",)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        subject = user_get(actor=self.request.user, pk=self.kwargs["pk"])
        ctx.update(subject=subject, form=ReasonForm(),
                   locked=subject.username.lower() in locked_usernames(actor=self.request.user),
                   history=audit_history(actor=self.request.user, target=subject))
        return ctx


class _UserActionView(ActionView, OpsView):
    permission_required = ("acquirer.manage_users",)
    form_class = ReasonForm

    def get_object(self, pk):
        return user_get(actor=self.request.user, pk=pk)

    def get_success_url(self, subject):
        return reverse("ops:user-detail", kwargs={"pk": subject.pk})


class UserDisableView(_UserActionView):
    def perform(self, form, subject):
        user_disable(actor=self.request.user, user=subject, reason=form.cleaned_data["reason"])
        return _("Account %(user)s disabled; its sessions were ended.") % {"user": subject.username}


class UserEnableView(_UserActionView):
    def perform(self, form, subject):
        user_enable(actor=self.request.user, user=subject, reason=form.cleaned_data["reason"])
        return _("Account %(user)s enabled.") % {"user": subject.username}


class UserUnlockView(_UserActionView):
    form_class = None

    def perform(self, form, subject):
        user_unlock(actor=self.request.user, user=subject)
        return _("Account %(user)s unlocked.") % {"user": subject.username}
