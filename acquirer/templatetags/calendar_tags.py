"""``{% calendar_warning %}``: a warning while a year from today to ``acquirer.calendar.lookahead()`` ahead has no known
holidays (the calendar page and the jobs console show it)."""

from django import template

from acquirer.calendar import unconfirmed_years

register = template.Library()


@register.inclusion_tag("acquirer/shared/_calendar_warning.html", takes_context=True)
def calendar_warning(context):
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    return {"years": unconfirmed_years(),
            "can_view": bool(user and user.has_perm("acquirer.view_workingdayoverride") and user.kind == "staff"),
            "can_manage": bool(user and user.has_perm("acquirer.manage_calendar"))}
