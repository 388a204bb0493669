"""Forms of the help centre and training pages (they parse input; the services decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models.common import Language
from complaints.models.help import Topic

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
PUBLISHED_CHOICES = [("", _("published or not")), ("yes", _("published")), ("no", _("drafts"))]


class ArticleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    topic = forms.ChoiceField(label=_("Topic"), required=False, choices=[("", _("every topic")), *Topic.choices])
    published = forms.ChoiceField(label=_("Published"), required=False, choices=PUBLISHED_CHOICES)


class HelpSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the help centre"), required=False, max_length=200)
    topic = forms.ChoiceField(label=_("Topic"), required=False, choices=[("", _("every topic")), *Topic.choices])


class ArticleForm(forms.Form):
    slug = forms.SlugField(label=_("Address"), max_length=80,
                           help_text=_("Letters, digits and hyphens; the article's web address in the portal."))
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=150)
    title_en = forms.CharField(label=_("Title (English)"), max_length=150)
    body_zh = forms.CharField(label=_("Text (Chinese, Markdown)"), widget=forms.Textarea(attrs={"rows": 12}))
    body_en = forms.CharField(label=_("Text (English, Markdown)"), widget=forms.Textarea(attrs={"rows": 12}))


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda value: value == "yes")


class SessionForm(forms.Form):
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=150)
    title_en = forms.CharField(label=_("Title (English)"), max_length=150)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME)
    place = forms.CharField(label=_("Place or meeting link"), max_length=200)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000)
    materials = forms.CharField(label=_("Materials (Markdown)"), required=False,
                                widget=forms.Textarea(attrs={"rows": 8}))


class SessionChoiceForm(forms.Form):
    """A session named in the form body (portal sign-up: shared sessions are never addressed in the URL)."""

    session = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class AttendanceForm(forms.Form):
    attended = forms.TypedMultipleChoiceField(label=_("Attended"), required=False, coerce=int,
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, signups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(signup.merchant_id, str(signup.merchant)) for signup in signups]
