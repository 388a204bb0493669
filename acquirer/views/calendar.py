"""The working-day calendar page (/ops/calendar/): a year's public holidays and make-up working days, from the
official calendar (``chinese-calendar``) and the overrides operations managers enter here.

Its URL patterns live here and are included under /ops/calendar/ by one line in ``acquirer/urls.py``."""

from datetime import date

from django import forms
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from acquirer.access import OpsView
from acquirer.calendar import (
    lookahead,
    package_knows,
    package_years,
    unconfirmed_years,
    working_day_override_get,
    year_entries,
    year_known,
)
from acquirer.models import WorkingDayOverride
from acquirer.services.calendar import working_day_override_add, working_day_override_remove
from acquirer.views.actions import ActionView

VIEW = "acquirer.view_workingdayoverride"
MANAGE = "acquirer.manage_calendar"


class OverrideForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=WorkingDayOverride.Kind.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy("The holiday it belongs to, e.g. 国庆节."))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False,
                           help_text=gettext_lazy("Where it was announced, e.g. the State Council notice."))


CHOOSE_ENTRY = gettext_lazy("Choose a calendar entry to remove.")


class RemoveForm(forms.Form):
    override = forms.IntegerField(error_messages={"required": CHOOSE_ENTRY, "invalid": CHOOSE_ENTRY})


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None
    if not 1900 <= year <= 2999:
        raise Http404
    return year


def _year_url(year: int) -> str:
    return f"{reverse('ops:calendar')}?year={year}"


class CalendarView(OpsView, TemplateView):
    template_name = "acquirer/ops/calendar_year.html"
    permission_required = (VIEW,)

    def get_context_data(self, form=None, year=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        year = year or _year(self.request)
        first, last = package_years()
        ctx.update(
            year=year, previous_year=year - 1, next_year=year + 1,
            entries=year_entries(year), package_knows=package_knows(year), year_known=year_known(year),
            package_first=first, package_last=last, unconfirmed=unconfirmed_years(),
            lookahead_days=lookahead().days,
            can_manage=self.request.user.has_perm(MANAGE),
            form=form or OverrideForm(initial={"day": date(year, 1, 1)}),
        )
        return ctx


class CalendarOverrideAddView(ActionView, CalendarView):
    """A refused entry shows the year it was meant for, with the form and the reason."""

    permission_required = (MANAGE,)
    template_name = CalendarView.template_name
    form_class = OverrideForm

    def render_form(self, form):
        year = form.cleaned_data["day"].year if form.cleaned_data.get("day") else timezone.localdate().year
        return self.render_to_response(self.get_context_data(form=form, year=year))

    def perform(self, form, obj):
        data = form.cleaned_data
        self.object = working_day_override_add(actor=self.request.user, day=data["day"], kind=data["kind"],
                                               name=data["name"], note=data["note"])
        return _("%(entry)s added to the calendar.") % {"entry": self.object}

    def get_success_url(self, override):
        return _year_url(override.date.year)


class CalendarOverrideRemoveView(ActionView, OpsView):
    """The entry to remove comes in the POST body; without one the calendar says so."""

    permission_required = (MANAGE,)
    form_class = RemoveForm

    def perform(self, form, obj):
        self.object = override = working_day_override_get(actor=self.request.user, pk=form.cleaned_data["override"])
        entry = str(override)
        working_day_override_remove(actor=self.request.user, override=override)
        return _("%(entry)s removed from the calendar.") % {"entry": entry}

    def get_success_url(self, override):
        return _year_url(override.date.year) if override is not None else reverse("ops:calendar")


urlpatterns = [
    path("", CalendarView.as_view(), name="calendar"),
    path("add/", CalendarOverrideAddView.as_view(), name="calendar-add"),
    path("remove/", CalendarOverrideRemoveView.as_view(), name="calendar-remove"),
]
