"""Complaint pages: the ops queue with SLA clocks, intake by customer service (with a duplicate suggestion), the
complaint page with its timeline, conversation, internal notes (staff and auditors only), files and one form per
move the policy allows; the merchant files in the portal (with suggested help articles), follows, replies,
reopens and rates; auditors read everything, internal notes included, and change nothing.

Every read goes through ``complaints.selectors``; every change is one service of ``complaints.services``; the
buttons come from ``acquirer.policy.available_actions`` over ``complaints.policy.ACTIONS``."""

import re

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView, PortalView
from acquirer.exceptions import DomainError
from acquirer.lists import link_rows, page_count, page_from_request, query_without_position
from acquirer.policy import available_actions
from acquirer.selectors import audit_history
from acquirer.views.actions import PAGE_METHODS, ActionView
from complaints import policy, roles
from complaints.forms import complaints as forms
from complaints.selectors.complaints import (
    canned_response_choices,
    category_choices,
    complaint_assignee_choices,
    complaint_attachment_get,
    complaint_attachments,
    complaint_get,
    complaint_list,
    complaint_messages,
    complaint_notes,
    complaint_order,
    complaint_possible_duplicates,
    root_cause_choices,
    subcategory_choices,
)
from complaints.selectors.help import article_suggest
from complaints.services import complaints as svc
from complaints.services.sla import sla_clocks
from merchants.selectors.contracts import contract_list
from merchants.selectors.merchants import merchant_by_identifier, merchant_for_user
from terminals.selectors.tickets import ticket_by_number, ticket_terminal_choices, ticket_terminal_lookup

VIEW_PERM = roles.VIEW_COMPLAINT
HANDLE_PERM = roles.HANDLE_COMPLAINT
DETAIL = "complaints/shared/complaint_detail.html"
LIST = "complaints/shared/complaint_list.html"
ACTIONS = policy.ACTIONS
# the order of the move forms on the complaint page, and which form each takes (None: a button alone)
OPS_FORMS = {
    "take": None, "assign": forms.AssignForm, "acknowledge": forms.AcknowledgeForm, "investigate": None,
    "request_info": forms.RequestInfoForm, "resume": None, "reply": forms.ReplyForm, "note": forms.NoteForm,
    "attach": forms.AttachForm, "link": forms.LinkForm, "open_ticket": forms.OpenTicketForm,
    "link_ticket": forms.LinkTicketForm, "resolve": forms.ResolveForm, "reject": forms.RejectForm, "close": None,
    "reopen": forms.ReopenForm,
}
PORTAL_FORMS = {"portal_reply": forms.PortalReplyForm, "portal_reopen": forms.ReopenForm, "rate": forms.RateForm}
PORTAL_URLS = {"portal_reply": "portal:complaint-reply", "portal_reopen": "portal:complaint-reopen",
               "rate": "portal:complaint-rate"}
DANGER = {"reject", "portal_reopen", "reopen"}
WHOLE_NUMBER = re.compile(r"CP-[0-9]{8}-[0-9]{4,}")


def _url_name(action: str) -> str:
    return "ops:complaint-" + action.replace("_", "-")


def _with_clocks(complaints, now=None):
    """Attach the first response and resolution clocks (working hours) to each complaint."""
    now = now or timezone.now()
    for complaint in complaints:
        complaint.clocks = sla_clocks(complaint, now=now)
    return complaints


def _attachment_response(request, pk):
    attachment = complaint_attachment_get(actor=request.user, pk=pk)
    try:
        return svc.complaint_attachment_download(actor=request.user, attachment=attachment)
    except DomainError as error:
        raise Http404(str(error)) from error


def _form_kwargs(action: str, actor, complaint) -> dict:
    if action == "assign":
        return {"assignees": complaint_assignee_choices(actor=actor)}
    if action == "resolve":
        return {"root_causes": root_cause_choices(actor=actor)}
    return {}


# --- lists ----------------------------------------------------------------------------------------------------

class _ListMixin:
    """The complaint queue: filters, one keyset page of complaints with their clocks (a constant number of
    queries)."""

    template_name = LIST
    area = "ops"

    def get(self, request, *args, **kwargs):
        data = request.GET.copy()
        staff = self.area != "portal"
        if staff and not set(forms.ComplaintFilterForm.base_fields) & set(data):
            data["status"] = "open"  # staff start from the complaints still to work on
        self.form = forms.ComplaintFilterForm(data, categories=category_choices(actor=request.user), staff=staff)
        self.filters = self.form.filters()
        number = self.filters.get("q", "")
        if WHOLE_NUMBER.fullmatch(number):  # a whole complaint number opens that complaint
            found = [row for row in complaint_list(actor=request.user, filters={"q": number})[:2]
                     if row.number == number]
            if len(found) == 1:
                return redirect(f"{self.area}:complaint-detail", found[0].pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = complaint_list(actor=self.request.user, filters=self.filters)
        order = complaint_order(self.filters)
        page = page_from_request(self.request, rows, order)
        ctx.update(area=self.area, form=self.form, page=page, count=page_count(rows, page, order),
                   complaints=link_rows(_with_clocks(list(page.object_list)), f"{self.area}:complaint-detail"),
                   query=query_without_position(self.request))
        return ctx


class OpsComplaintListView(OpsView, _ListMixin, TemplateView):
    permission_required = (VIEW_PERM,)


class PortalComplaintListView(PortalView, _ListMixin, TemplateView):
    area = "portal"


class AuditComplaintListView(AuditorView, _ListMixin, TemplateView):
    area = "audit"


# --- intake ---------------------------------------------------------------------------------------------------

def _links(actor, data: dict, *, merchant=None) -> dict:
    """The merchant, terminal and contract typed on a form, found through the selectors (a ValidationError names
    the field that finds nothing). A terminal without a merchant links the terminal's merchant."""
    found = {}
    if data.get("merchant"):
        merchant = merchant_by_identifier(actor=actor, search=data["merchant"].strip())
        if merchant is None:
            raise ValidationError({"merchant": _("No merchant has this MID or unified social credit code.")})
        found["merchant"] = merchant
    if data.get("terminal"):
        terminal = ticket_terminal_lookup(actor=actor, query=data["terminal"])
        if terminal is None:
            raise ValidationError({"terminal": _("No terminal installed at a merchant has this serial number or "
                                                 "TID.")})
        found["terminal"] = terminal
        found.setdefault("merchant", merchant or terminal.merchant)
    if data.get("contract_version"):
        owner = found.get("merchant") or merchant
        contract = None
        if owner is not None:
            contract = next((c for c in contract_list(actor=actor, merchant=owner)
                             if c.version == data["contract_version"]), None)
        if contract is None:
            raise ValidationError({"contract_version": _("The merchant has no contract of this version.")})
        found["contract"] = contract
    if data.get("transaction_id"):
        found["transaction_date"], found["transaction_id"] = data["transaction_date"], data["transaction_id"]
    return found


class OpsComplaintCreateView(ActionView, OpsView):
    """Customer service records a complaint. When the same complainant has open complaints in the same category,
    the form comes back listing them: open one of them, or confirm that this is a separate matter."""

    http_method_names = PAGE_METHODS
    permission_required = (HANDLE_PERM,)
    template_name = "complaints/ops/complaint_create.html"
    form_class = forms.OpsComplaintForm
    duplicates = ()

    def get_form_kwargs(self):
        initial = {key: self.request.GET[key] for key in ("merchant", "terminal") if self.request.GET.get(key)}
        actor = self.request.user
        return {"categories": category_choices(actor=actor), "subcategories": subcategory_choices(actor=actor),
                "initial": initial}

    def render_form(self, form):
        return render(self.request, self.template_name, {"area": "ops", "form": form,
                                                         "duplicates": self.duplicates})

    def perform(self, form, obj):
        actor, data = self.request.user, form.cleaned_data
        links = _links(actor, data)
        if not data.get("separate_matter"):
            self.duplicates = list(complaint_possible_duplicates(
                actor=actor, complaint_kind=data["complainant_kind"], merchant=links.get("merchant"),
                complainant_phone=data.get("complainant_phone", ""),
                complainant_email=data.get("complainant_email", ""), category=data["category"]))
            if self.duplicates:
                raise ValidationError(_("The same complainant has open complaints in this category. Open one of "
                                        "them, or tick “This is a separate matter” and record it again (choose the "
                                        "files again too)."))
        self.object = complaint = svc.complaint_file(
            actor=actor, category=data["category"], subcategory=data.get("subcategory"), subject=data["subject"],
            description=data["description"], channel=data["channel"], complainant_kind=data["complainant_kind"],
            complainant_name=data["complainant_name"], complainant_phone=data.get("complainant_phone", ""),
            complainant_email=data.get("complainant_email", ""), priority=data["priority"],
            language=data["language"], external_reference=data.get("external_reference", ""),
            external_deadline=data.get("external_deadline"), received_at=data.get("received_at"),
            files=data.get("files") or (), **links)
        return _("Complaint %(number)s recorded.") % {"number": complaint.number}

    def get_success_url(self, complaint):
        return reverse("ops:complaint-detail", kwargs={"pk": complaint.pk})


class PortalComplaintCreateView(ActionView, PortalView):
    """The merchant files a complaint in two steps: the first shows matching help articles and its open
    complaints on the same subject; "Send my complaint" files it."""

    http_method_names = PAGE_METHODS
    template_name = "complaints/portal/complaint_create.html"
    form_class = forms.PortalComplaintForm
    preview = False
    articles = ()
    duplicates = ()

    def get_form_kwargs(self):
        actor = self.request.user
        return {"categories": category_choices(actor=actor), "subcategories": subcategory_choices(actor=actor),
                "terminals": ticket_terminal_choices(actor=actor)}

    def render_form(self, form):
        # a refused second step stays the second step (its file input shown), without asking for articles again
        preview = self.preview or (form.is_bound and form.data.get("confirm") == "True")
        return render(self.request, self.template_name, {
            "area": "portal", "form": form, "preview": preview, "articles": self.articles,
            "duplicates": self.duplicates})

    def form_valid(self, form):
        if form.cleaned_data.get("confirm"):
            return super().form_valid(form)
        actor, data = self.request.user, form.cleaned_data
        self.preview = True
        self.articles = list(article_suggest(actor=actor, text=f"{data['subject']} {data['description']}", limit=3))
        self.duplicates = list(complaint_possible_duplicates(
            actor=actor, complaint_kind="merchant", merchant=merchant_for_user(actor=actor),
            category=data["category"]))
        form.data = form.data.copy()
        form.data["confirm"] = "True"
        return self.render_form(form)

    def perform(self, form, obj):
        data = form.cleaned_data
        self.object = complaint = svc.complaint_file(
            actor=self.request.user, category=data["category"], subcategory=data.get("subcategory"),
            subject=data["subject"], description=data["description"], channel="portal",
            complainant_kind="merchant", complainant_name=self.request.user.get_full_name()
            or self.request.user.get_username(), terminal=data.get("terminal"),
            transaction_date=data.get("transaction_date"), transaction_id=data.get("transaction_id"),
            files=data.get("files") or ())
        return _("Thank you: your complaint is %(number)s. We will answer by %(due)s.") % {
            "number": complaint.number,
            "due": timezone.localtime(complaint.first_response_due).strftime("%Y-%m-%d %H:%M")}

    def get_success_url(self, complaint):
        return reverse("portal:complaint-detail", kwargs={"pk": complaint.pk})


# --- detail ---------------------------------------------------------------------------------------------------

def _detail_context(request, complaint, area: str) -> dict:
    actor = request.user
    ctx = {"complaint": complaint, "area": area, "clocks": sla_clocks(complaint),
           "conversation": complaint_messages(actor=actor, complaint=complaint),
           "attachments": complaint_attachments(actor=actor, complaint=complaint)}
    if area != "portal":  # internal notes and the audit trail: staff and auditors only
        ctx["notes"] = complaint_notes(actor=actor, complaint=complaint)
        ctx["history"] = audit_history(actor=actor, target=complaint)
    return ctx


def _ops_detail(request, complaint, bound=None):
    """The complaint page for staff; ``bound``: (action name, bound form) to show with its errors."""
    actor = request.user
    ctx = _detail_context(request, complaint, "ops")
    allowed = available_actions(actor, complaint, [ACTIONS[name] for name in OPS_FORMS])
    moves = []
    for name in OPS_FORMS:
        if name not in allowed:
            continue
        form_class = OPS_FORMS[name]
        if bound is not None and bound[0] == name:
            form = bound[1]
        elif form_class is None:
            form = None
        else:
            form = form_class(**_form_kwargs(name, actor, complaint))
        if name == "assign" and form is not None and not form.is_bound:
            form.initial = {"assignee": complaint.assignee_id}
        moves.append({"name": name, "label": allowed[name].label, "form": form, "danger": name in DANGER,
                      "url": reverse(_url_name(name), kwargs={"pk": complaint.pk})})
    if "reply" in allowed:
        responses = list(canned_response_choices(actor=actor, category=complaint.category))
        ctx["canned_form"] = forms.CannedPickForm(request.GET or None, responses=responses)
        picked = request.GET.get("canned", "")
        chosen = next((r for r in responses if str(r.pk) == picked), None)
        reply = next(move for move in moves if move["name"] == "reply")
        if chosen is not None and not reply["form"].is_bound:
            reply["form"] = forms.ReplyForm(initial={"body": chosen.body(complaint.language), "canned": chosen.pk})
    ctx["moves"] = moves
    return render(request, DETAIL, ctx)


class OpsComplaintDetailView(OpsView):
    permission_required = (VIEW_PERM,)

    def get(self, request, pk):
        return _ops_detail(request, complaint_get(actor=request.user, pk=pk))


def _portal_detail(request, complaint, bound=None):
    actor = request.user
    ctx = _detail_context(request, complaint, "portal")
    allowed = available_actions(actor, complaint, [ACTIONS[name] for name in PORTAL_FORMS])
    moves = []
    for name, form_class in PORTAL_FORMS.items():
        if name in allowed:
            form = bound[1] if bound is not None and bound[0] == name else form_class()
            moves.append({"name": name, "label": allowed[name].label, "form": form, "danger": name in DANGER,
                          "url": reverse(PORTAL_URLS[name], kwargs={"pk": complaint.pk})})
    ctx["moves"] = moves
    return render(request, DETAIL, ctx)


class PortalComplaintDetailView(PortalView):
    def get(self, request, pk):
        return _portal_detail(request, complaint_get(actor=request.user, pk=pk))


class AuditComplaintDetailView(AuditorView):
    def get(self, request, pk):
        return render(request, DETAIL, _detail_context(request, complaint_get(actor=request.user, pk=pk), "audit"))


# --- moves ----------------------------------------------------------------------------------------------------

class _ComplaintActionView(ActionView, OpsView):
    """One move on a complaint; back to the complaint page. A form with errors or a refusal shows the complaint
    page again with what was typed and the reason."""

    permission_required = (HANDLE_PERM,)
    template_name = DETAIL
    action = ""

    def get_object(self, pk):
        return complaint_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return _form_kwargs(self.action, self.request.user, self.object)

    def get_form(self, data=None, files=None):
        form_class = OPS_FORMS[self.action]
        return None if form_class is None else form_class(data, files, **self.get_form_kwargs())

    def render_form(self, form):
        return _ops_detail(self.request, self.object, bound=(self.action, form))

    def get_success_url(self, complaint):
        return reverse("ops:complaint-detail", kwargs={"pk": complaint.pk})


def _done(text: str, complaint) -> str:
    return text % {"number": complaint.number}


class OpsComplaintTakeView(_ComplaintActionView):
    action = "take"

    def perform(self, form, complaint):
        svc.complaint_take(actor=self.request.user, complaint=complaint)
        return _done(_("You handle complaint %(number)s now."), complaint)


class OpsComplaintAssignView(_ComplaintActionView):
    action = "assign"

    def perform(self, form, complaint):
        assignee = form.cleaned_data["assignee"]
        svc.complaint_assign(actor=self.request.user, complaint=complaint, assignee=assignee)
        return _("Complaint %(number)s assigned to %(user)s.") % {"number": complaint.number,
                                                                   "user": assignee.get_username()}


class OpsComplaintAcknowledgeView(_ComplaintActionView):
    action = "acknowledge"

    def perform(self, form, complaint):
        svc.complaint_acknowledge(actor=self.request.user, complaint=complaint, message=form.cleaned_data["message"])
        return _done(_("Complaint %(number)s acknowledged."), complaint)


class OpsComplaintInvestigateView(_ComplaintActionView):
    action = "investigate"

    def perform(self, form, complaint):
        svc.complaint_investigate(actor=self.request.user, complaint=complaint)
        return _done(_("Investigation of complaint %(number)s started."), complaint)


class OpsComplaintRequestInfoView(_ComplaintActionView):
    action = "request_info"

    def perform(self, form, complaint):
        svc.complaint_request_info(actor=self.request.user, complaint=complaint,
                                   message=form.cleaned_data["message"])
        return _done(_("Question sent; the resolution clock of %(number)s is paused until the complainant "
                       "answers."), complaint)


class OpsComplaintResumeView(_ComplaintActionView):
    action = "resume"

    def perform(self, form, complaint):
        svc.complaint_resume(actor=self.request.user, complaint=complaint)
        return _done(_("Investigation of complaint %(number)s resumed; the clock runs again."), complaint)


class OpsComplaintReplyView(_ComplaintActionView):
    action = "reply"

    def perform(self, form, complaint):
        actor, data = self.request.user, form.cleaned_data
        canned = None
        if data.get("canned"):
            canned = next((r for r in canned_response_choices(actor=actor) if r.pk == data["canned"]), None)
        svc.complaint_reply(actor=actor, complaint=complaint, body=data["body"], canned=canned,
                            files=data.get("files") or ())
        return _done(_("Reply sent to the complainant of %(number)s."), complaint)


class OpsComplaintNoteView(_ComplaintActionView):
    action = "note"

    def perform(self, form, complaint):
        svc.complaint_note(actor=self.request.user, complaint=complaint, body=form.cleaned_data["body"])
        return _("Internal note added.")


class OpsComplaintAttachView(_ComplaintActionView):
    action = "attach"

    def perform(self, form, complaint):
        svc.complaint_attach(actor=self.request.user, complaint=complaint, files=form.cleaned_data["files"])
        return _("File attached.")


class OpsComplaintLinkView(_ComplaintActionView):
    action = "link"

    def perform(self, form, complaint):
        links = _links(self.request.user, form.cleaned_data, merchant=complaint.merchant)
        svc.complaint_link(actor=self.request.user, complaint=complaint, **links)
        return _done(_("Links of complaint %(number)s updated."), complaint)


class OpsComplaintOpenTicketView(_ComplaintActionView):
    action = "open_ticket"

    def perform(self, form, complaint):
        ticket = svc.complaint_open_ticket(actor=self.request.user, complaint=complaint,
                                           severity=form.cleaned_data["severity"],
                                           description=form.cleaned_data["description"])
        return _("Fault ticket %(ticket)s opened for complaint %(number)s.") % {"ticket": ticket.number,
                                                                                 "number": complaint.number}


class OpsComplaintLinkTicketView(_ComplaintActionView):
    action = "link_ticket"

    def perform(self, form, complaint):
        ticket = ticket_by_number(actor=self.request.user, number=form.cleaned_data["ticket"])
        if ticket is None:
            raise ValidationError({"ticket": _("No fault ticket has this number.")})
        svc.complaint_link_ticket(actor=self.request.user, complaint=complaint, ticket=ticket)
        return _("Complaint %(number)s linked to fault ticket %(ticket)s.") % {"ticket": ticket.number,
                                                                                "number": complaint.number}


class OpsComplaintResolveView(_ComplaintActionView):
    action = "resolve"

    def perform(self, form, complaint):
        data = form.cleaned_data
        svc.complaint_resolve(actor=self.request.user, complaint=complaint, root_cause=data["root_cause"],
                              remedy=data["remedy"], summary=data["summary"], remedy_minor=data["remedy_minor"])
        return _done(_("Complaint %(number)s resolved; the complainant is asked to rate the resolution."),
                     complaint)


class OpsComplaintRejectView(_ComplaintActionView):
    action = "reject"

    def perform(self, form, complaint):
        svc.complaint_reject(actor=self.request.user, complaint=complaint, reason=form.cleaned_data["reason"])
        return _done(_("Complaint %(number)s rejected as out of scope."), complaint)


class OpsComplaintCloseView(_ComplaintActionView):
    action = "close"

    def perform(self, form, complaint):
        svc.complaint_close(actor=self.request.user, complaint=complaint)
        return _done(_("Complaint %(number)s closed."), complaint)


class OpsComplaintReopenView(_ComplaintActionView):
    action = "reopen"

    def perform(self, form, complaint):
        svc.complaint_reopen(actor=self.request.user, complaint=complaint, reason=form.cleaned_data["reason"])
        return _done(_("Complaint %(number)s reopened."), complaint)


class _PortalActionView(ActionView, PortalView):
    template_name = DETAIL
    action = ""

    def get_object(self, pk):
        return complaint_get(actor=self.request.user, pk=pk)

    def get_form(self, data=None, files=None):
        return PORTAL_FORMS[self.action](data, files)

    def render_form(self, form):
        return _portal_detail(self.request, self.object, bound=(self.action, form))

    def get_success_url(self, complaint):
        return reverse("portal:complaint-detail", kwargs={"pk": complaint.pk})


class PortalComplaintReplyView(_PortalActionView):
    action = "portal_reply"

    def perform(self, form, complaint):
        svc.complaint_portal_reply(actor=self.request.user, complaint=complaint, body=form.cleaned_data["body"],
                                   files=form.cleaned_data.get("files") or ())
        return _("Thank you: your message was sent.")


class PortalComplaintReopenView(_PortalActionView):
    action = "portal_reopen"

    def perform(self, form, complaint):
        svc.complaint_reopen(actor=self.request.user, complaint=complaint, reason=form.cleaned_data["reason"])
        return _done(_("Complaint %(number)s is open again; we will get back to you."), complaint)


class PortalComplaintRateView(_PortalActionView):
    action = "rate"

    def perform(self, form, complaint):
        svc.complaint_rate(actor=self.request.user, complaint=complaint, rating=form.cleaned_data["rating"],
                           comment=form.cleaned_data["comment"])
        return _("Thank you for your rating.")


# --- files ----------------------------------------------------------------------------------------------------

class OpsComplaintAttachmentView(OpsView):
    permission_required = (VIEW_PERM,)

    def get(self, request, pk):
        return _attachment_response(request, pk)


class PortalComplaintAttachmentView(PortalView):
    def get(self, request, pk):
        return _attachment_response(request, pk)


class AuditComplaintAttachmentView(AuditorView):
    def get(self, request, pk):
        return _attachment_response(request, pk)


_OPS_MOVES = {
    "take": OpsComplaintTakeView, "assign": OpsComplaintAssignView, "acknowledge": OpsComplaintAcknowledgeView,
    "investigate": OpsComplaintInvestigateView, "request_info": OpsComplaintRequestInfoView,
    "resume": OpsComplaintResumeView, "reply": OpsComplaintReplyView, "note": OpsComplaintNoteView,
    "attach": OpsComplaintAttachView, "link": OpsComplaintLinkView, "open_ticket": OpsComplaintOpenTicketView,
    "link_ticket": OpsComplaintLinkTicketView, "resolve": OpsComplaintResolveView,
    "reject": OpsComplaintRejectView, "close": OpsComplaintCloseView, "reopen": OpsComplaintReopenView,
}

ops_patterns = [
    path("complaints/", OpsComplaintListView.as_view(), name="complaint-list"),
    path("complaints/new/", OpsComplaintCreateView.as_view(), name="complaint-create"),
    path("complaints/<int:pk>/", OpsComplaintDetailView.as_view(), name="complaint-detail"),
    *(path(f"complaints/<int:pk>/{name.replace('_', '-')}/", view.as_view(),
           name=_url_name(name).removeprefix("ops:")) for name, view in _OPS_MOVES.items()),
    path("complaints/files/<int:pk>/", OpsComplaintAttachmentView.as_view(), name="complaint-attachment"),
]
portal_patterns = [
    path("complaints/", PortalComplaintListView.as_view(), name="complaint-list"),
    path("complaints/new/", PortalComplaintCreateView.as_view(), name="complaint-create"),
    path("complaints/<int:pk>/", PortalComplaintDetailView.as_view(), name="complaint-detail"),
    path("complaints/<int:pk>/reply/", PortalComplaintReplyView.as_view(), name="complaint-reply"),
    path("complaints/<int:pk>/reopen/", PortalComplaintReopenView.as_view(), name="complaint-reopen"),
    path("complaints/<int:pk>/rate/", PortalComplaintRateView.as_view(), name="complaint-rate"),
    path("complaints/files/<int:pk>/", PortalComplaintAttachmentView.as_view(), name="complaint-attachment"),
]
audit_patterns = [
    path("complaints/", AuditComplaintListView.as_view(), name="complaint-list"),
    path("complaints/<int:pk>/", AuditComplaintDetailView.as_view(), name="complaint-detail"),
    path("complaints/files/<int:pk>/", AuditComplaintAttachmentView.as_view(), name="complaint-attachment"),
]
