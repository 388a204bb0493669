"""How the complaints app's audit actions read (``acquirer/audit_text.py``), and which a merchant reads.

Each subdomain keeps its own block; ``ACTIONS``, ``FOR_MERCHANTS`` and ``LABELS`` merge them."""

from django.utils.translation import gettext_lazy as _

# complaints (intake, workflow, conversation, SLA) ----------------------------------------------------------------
COMPLAINT_ACTIONS: dict = {}
COMPLAINT_FOR_MERCHANTS: set = set()
COMPLAINT_LABELS: dict = {}
# end of the complaints block -------------------------------------------------------------------------------------

# help centre and training ----------------------------------------------------------------------------------------
HELP_ACTIONS: dict = {
    "article.created": _("%(actor)s wrote the help article %(target)s"),
    "article.changed": _("%(actor)s changed the help article %(target)s (%(fields)s)"),
    "article.published": _("%(actor)s published the help article %(target)s"),
    "article.unpublished": _("%(actor)s withdrew the help article %(target)s"),
    "article.voted": _("%(actor)s said whether the help article %(target)s was helpful"),
    "training.created": _("%(actor)s scheduled the training session %(target)s"),
    "training.changed": _("%(actor)s changed the training session %(target)s (%(fields)s)"),
    "training.cancelled": _("%(actor)s cancelled the training session %(target)s"),
    "training.held": _("%(actor)s recorded that the training session %(target)s was held"),
    "training.signed_up": _("%(actor)s signed %(merchant)s up for the training session %(target)s"),
    "training.signup_cancelled": _("%(actor)s cancelled the place of %(merchant)s on the training session %(target)s"),
    "training.attendance_recorded": _("%(actor)s recorded attendance at the training session %(target)s: "
                                      "%(attended)s attended, %(absent)s absent"),
}
HELP_FOR_MERCHANTS: set = {"training.signed_up", "training.signup_cancelled"}
HELP_LABELS: dict = {
    "slug": _("address"),
    "topic": _("topic"),
    "title_zh": _("title (Chinese)"),
    "title_en": _("title (English)"),
    "body_zh": _("text (Chinese)"),
    "body_en": _("text (English)"),
    "published": _("published"),
    "fields": _("changed fields"),
    "helpful": _("helpful"),
    "language": _("language"),
    "starts_at": _("starts"),
    "ends_at": _("ends"),
    "place": _("place"),
    "capacity": _("places"),
    "materials": _("materials"),
    "status": _("status"),
    "merchant": _("merchant"),
    "attended": _("attended"),
    "absent": _("absent"),
    "reason": _("reason"),
}
# end of the help block -------------------------------------------------------------------------------------------

# reports, regulator statistics and settings ----------------------------------------------------------------------
REPORT_ACTIONS: dict = {}
REPORT_FOR_MERCHANTS: set = set()
REPORT_LABELS: dict = {}
# end of the reports block ----------------------------------------------------------------------------------------

ACTIONS = {**COMPLAINT_ACTIONS, **HELP_ACTIONS, **REPORT_ACTIONS}
FOR_MERCHANTS = COMPLAINT_FOR_MERCHANTS | HELP_FOR_MERCHANTS | REPORT_FOR_MERCHANTS
LABELS = {**COMPLAINT_LABELS, **HELP_LABELS, **REPORT_LABELS}
