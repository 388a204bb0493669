"""What the POST-only action views of every area share: form errors as page messages, and the
"load one object, maybe take a written reason, call one service, say what happened" view."""

from django.contrib import messages
from django.shortcuts import redirect

from acquirer.exceptions import DomainError
from acquirer.forms import ReasonForm


def flash_form_errors(request, form) -> None:
    """Every error of an invalid form as an error message on the next page."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


class ObjectActionMixin:
    """POST one action on one object (combine with the area's gate view). Subclasses say how to load
    the object (``get_object``, through a selector), where to go afterwards (``redirect_to``) and what to
    do (``act``, which calls one service and returns the success message). With ``needs_reason`` the
    POST must carry a written reason (``ReasonForm``); a refusal of the service becomes an error message."""

    http_method_names = ["post"]
    needs_reason = False

    def get_object(self, request, pk):
        raise NotImplementedError

    def redirect_to(self, obj):
        raise NotImplementedError

    def act(self, actor, obj, reason: str) -> str:
        raise NotImplementedError

    def post(self, request, pk):
        obj = self.get_object(request, pk)
        reason = ""
        if self.needs_reason:
            form = ReasonForm(request.POST)
            if not form.is_valid():
                flash_form_errors(request, form)
                return self.redirect_to(obj)
            reason = form.cleaned_data["reason"]
        try:
            message = self.act(request.user, obj, reason)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, message)
        return self.redirect_to(obj)


def redirect_to_detail(name: str):
    """``redirect_to`` for views whose object has a detail page ``name`` taking its pk."""
    return lambda self, obj: redirect(name, pk=obj.pk)
