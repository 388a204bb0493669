"""Forms of the complaint settings pages: taxonomy, root causes, SLA policies, canned responses. Choices come from
the selectors (the view passes them in); the services check again."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from complaints.models.common import Channel, Priority


def _code_field():
    return forms.CharField(label=_("Code"), max_length=40, help_text=_(
        "A short fixed name for reports and exports: lower-case letters, digits, hyphens and underscores."),
        validators=[RegexValidator(r"^[a-z0-9_-]+$", _("Use lower-case letters, digits, hyphens and underscores "
                                                         "only."))])


class _Values(forms.Form):
    def values(self) -> dict:
        return dict(self.cleaned_data)


class CategoryEditForm(_Values):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    terminal_fault = forms.BooleanField(label=_("About a terminal fault (the complaint may open a fault ticket)"),
                                        required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32000, initial=100)
    active = forms.BooleanField(label=_("In use (offered for new complaints)"), required=False, initial=True)

    @staticmethod
    def initial_for(category) -> dict:
        return {name: getattr(category, name) for name in ("name_zh", "name_en", "terminal_fault", "order", "active")}


class CategoryCreateForm(CategoryEditForm):
    code = _code_field()
    parent = forms.ModelChoiceField(label=_("Subcategory of"), queryset=None, required=False,
                                    empty_label=_("— none: a main category —"))

    field_order = ["code", "name_zh", "name_en", "parent", "terminal_fault", "order"]

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents
        del self.fields["active"]


class RootCauseEditForm(_Values):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32000, initial=100)
    active = forms.BooleanField(label=_("In use (offered when resolving)"), required=False, initial=True)

    @staticmethod
    def initial_for(cause) -> dict:
        return {name: getattr(cause, name) for name in ("name_zh", "name_en", "order", "active")}


class RootCauseCreateForm(RootCauseEditForm):
    code = _code_field()

    field_order = ["code", "name_zh", "name_en", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["active"]


class SlaPolicyEditForm(_Values):
    first_response_hours = forms.IntegerField(label=_("First response within (working hours)"), min_value=1,
                                              max_value=10000)
    resolution_hours = forms.IntegerField(label=_("Resolution within (working hours)"), min_value=1, max_value=10000)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def clean(self):
        data = super().clean()
        first, resolution = data.get("first_response_hours"), data.get("resolution_hours")
        if first and resolution and first > resolution:
            self.add_error("first_response_hours", _(
                "The first response cannot be due after the resolution: give a first-response target of at most "
                "%(hours)s working hours.") % {"hours": resolution})
        return data

    @staticmethod
    def initial_for(policy) -> dict:
        return {name: getattr(policy, name) for name in ("first_response_hours", "resolution_hours", "active")}


class SlaPolicyCreateForm(SlaPolicyEditForm):
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False,
                                      empty_label=_("any category"))
    priority = forms.ChoiceField(label=_("Priority"), required=False,
                                 choices=[("", _("any priority")), *Priority.choices])
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("any channel")), *Channel.choices])

    field_order = ["category", "priority", "channel", "first_response_hours", "resolution_hours"]

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        del self.fields["active"]


class CannedResponseForm(_Values):
    title = forms.CharField(label=_("Title"), max_length=120)
    body_zh = forms.CharField(label=_("Text (Chinese)"), widget=forms.Textarea(attrs={"rows": 5}))
    body_en = forms.CharField(label=_("Text (English)"), widget=forms.Textarea(attrs={"rows": 5}))
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False,
                                      empty_label=_("any category"))
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, categories=None, creating=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        if creating:
            del self.fields["active"]

    @staticmethod
    def initial_for(response) -> dict:
        return {"title": response.title, "body_zh": response.body_zh, "body_en": response.body_en,
                "category": response.category_id, "active": response.active}
