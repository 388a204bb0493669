"""Forms of the library pages: frameworks, requirements, controls and the requirement import. Choices come from the
selectors (the view passes them in); the services check again."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from compliance.models import Control, Framework, Requirement
from compliance.sources import source_choices


def _code_field():
    return forms.CharField(label=_("Code"), max_length=40, help_text=_(
        "A short fixed name for imports and exports: lower-case letters, digits and hyphens."),
        validators=[RegexValidator(r"^[a-z0-9-]+$", _("Use lower-case letters, digits and hyphens only."))])


class _Values(forms.Form):
    def values(self) -> dict:
        return dict(self.cleaned_data)


class FrameworkEditForm(_Values):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Framework.Kind.choices)
    issuer = forms.CharField(label=_("Issuer"), max_length=200)
    version = forms.CharField(label=_("Version"), max_length=40, required=False)
    effective_on = forms.DateField(label=_("In force from"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    active = forms.BooleanField(label=_("In force"), required=False, initial=True)

    @staticmethod
    def initial_for(framework) -> dict:
        return {name: getattr(framework, name) for name in ("name_zh", "name_en", "kind", "issuer", "version",
                                                            "effective_on", "description", "active")}


class FrameworkCreateForm(FrameworkEditForm):
    code = _code_field()
    field_order = ["code"]


class RequirementForm(_Values):
    reference = forms.CharField(label=_("Reference"), max_length=60, help_text=_("For example “PCI DSS 8.3.4”."))
    parent = forms.ModelChoiceField(label=_("Part of"), queryset=None, required=False,
                                    empty_label=_("— none: a top-level section —"))
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300)
    text_zh = forms.CharField(label=_("Text (Chinese, in our own words)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    text_en = forms.CharField(label=_("Text (English, in our own words)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    applicability = forms.ChoiceField(label=_("Applicability"), choices=Requirement.Applicability.choices)
    applicability_note = forms.CharField(label=_("Why (applicability)"), max_length=500, required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=1_000_000, initial=100)

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents

    @staticmethod
    def initial_for(requirement) -> dict:
        return {name: getattr(requirement, name) for name in (
            "reference", "parent", "title_zh", "title_en", "text_zh", "text_en", "applicability",
            "applicability_note", "order")}


class ControlEditForm(_Values):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Control.Kind.choices)
    description = forms.CharField(label=_("How it works"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence_kind = forms.ChoiceField(label=_("Evidence expected"), choices=Control.EvidenceKind.choices)
    source = forms.ChoiceField(label=_("Live page where it can be seen working"), required=False, choices=())
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    requirements = forms.ModelMultipleChoiceField(label=_("Requirements it meets"), queryset=None, required=False,
                                                  widget=forms.SelectMultiple(attrs={"size": 12}))
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, requirements=None, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = source_choices()
        self.fields["requirements"].queryset = requirements
        self.fields["requirements"].label_from_instance = lambda r: f"{r.framework.code} · {r.reference} {r.title}"
        self.fields["owner"].queryset = staff

    @staticmethod
    def initial_for(control) -> dict:
        values = {name: getattr(control, name) for name in ("name_zh", "name_en", "kind", "description",
                                                            "evidence_kind", "source", "owner", "active")}
        values["requirements"] = list(control.requirements.values_list("pk", flat=True))
        return values


class ControlCreateForm(ControlEditForm):
    code = _code_field()
    field_order = ["code"]


class RequirementImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"), help_text=_(
        "First row: reference, parent reference, title zh, title en, text zh, text en, applicability. Every row is "
        "checked; nothing is saved unless every row is good."))
