"""The one shape of every view that changes something: load one object through the scoping layer, bind a
form (or none), call one service, say what happened and go on. Combine :class:`ActionView` with the area's
gate view (``class OpsContractOfferView(ActionView, OpsView)``)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.generic.base import ContextMixin

from acquirer.exceptions import DomainError

# ``http_method_names`` of an action whose form has its own page: GET shows it, POST performs.
PAGE_METHODS = ["get", "head", "options", "post"]


def flash_form_errors(request, form) -> None:
    """Every error of an invalid form as an error message on the next page."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def show_refusal(form, error: DomainError) -> None:
    """Put a service's refusal on the form: next to its field when it names one (``error.field``), and each
    problem of a refusal that lists several (``error.errors``) on its own."""
    for problem in getattr(error, "errors", None) or [error]:
        field = getattr(problem, "field", None)
        form.add_error(field if field in form.fields else None, str(problem))


class ActionView(ContextMixin):
    """POST one action on one object.

    A subclass says how to load the object (``get_object(**url_kwargs)``, through a selector, so that another
    merchant's object is a 404 like a missing one; ``None`` when there is none), which form the POST must
    fill (``form_class`` and ``get_form_kwargs``; none by default), what to do (``perform(form, obj)``, which
    calls one service and returns the success message, or "" when there is nothing to say) and where to go
    afterwards (``get_success_url(obj)``). ``perform`` may set ``self.object`` to what it created, which the
    success URL then leads to, and may raise ``ValidationError`` for a check that needs the database (shown like
    the form's own errors).

    Without ``template_name`` an invalid form or a refusal of the service (``DomainError``) becomes error
    messages on the page the action came from (``get_failure_url``). With ``template_name`` the page that holds
    the form is rendered again with the bound form and its errors (``render_form``); with
    ``http_method_names = PAGE_METHODS`` GET shows that page with an empty form (a "new ..." page).
    """

    http_method_names = ["post"]
    # What POST needs beyond the gate's permissions: a page every reader sees where only some may add.
    post_permission_required: tuple[str, ...] = ()
    form_class = None
    template_name = ""

    def get_object(self, **kwargs):
        return None

    def get_form_kwargs(self) -> dict:
        return {}

    def get_form(self, data=None, files=None):
        if self.form_class is None:
            return None
        return self.form_class(data, files, **self.get_form_kwargs())

    def perform(self, form, obj) -> str:
        raise NotImplementedError

    def get_success_url(self, obj) -> str:
        raise NotImplementedError

    def get_failure_url(self, obj) -> str:
        return self.get_success_url(obj)

    def render_form(self, form):
        return render(self.request, self.template_name, self.get_context_data(form=form, object=self.object))

    def get(self, request, **kwargs):
        self.object = self.get_object(**kwargs)
        return self.render_form(self.get_form())

    def post(self, request, **kwargs):
        if not request.user.has_perms(self.post_permission_required):
            raise PermissionDenied
        self.object = self.get_object(**kwargs)
        form = self.get_form(request.POST, request.FILES)
        if form is not None and not form.is_valid():
            return self.form_invalid(form)
        return self.form_valid(form)

    def form_valid(self, form):
        try:
            message = self.perform(form, self.object)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except DomainError as error:
            return self.refused(form, error)
        if message:
            messages.success(self.request, message)
        return redirect(self.get_success_url(self.object))

    def form_invalid(self, form):
        if self.template_name:
            return self.render_form(form)
        flash_form_errors(self.request, form)
        return redirect(self.get_failure_url(self.object))

    def refused(self, form, error: DomainError):
        if self.template_name and form is not None:
            show_refusal(form, error)
            return self.render_form(form)
        messages.error(self.request, str(error))
        return redirect(self.get_failure_url(self.object))
