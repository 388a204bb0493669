"""A complaint, its conversation (public messages and internal notes kept apart), files, pauses and escalations."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from complaints.models.common import Channel, Language, Priority
from complaints.models.taxonomy import Category, RootCause
from merchants.models import Contract, Merchant
from terminals.models import Terminal, Ticket


class Complaint(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        INVESTIGATING = "investigating", _("Investigating")
        WAITING = "waiting", _("Waiting on the complainant")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected as out of scope")

    class ComplainantKind(models.TextChoices):
        MERCHANT = "merchant", _("Merchant")
        CARDHOLDER = "cardholder", _("Cardholder")
        OTHER = "other", _("Other")

    class Remedy(models.TextChoices):
        REFUND = "refund", _("Refund")
        FEE_WAIVER = "fee_waiver", _("Fee waiver")
        REPAIR = "repair", _("Repair")
        EXPLANATION = "explanation", _("Explanation")
        OTHER = "other", _("Other")

    OPEN = ("new", "acknowledged", "investigating", "waiting")

    number = models.CharField(_("complaint"), max_length=20, unique=True)
    # who complains and how it reached us
    complainant_kind = models.CharField(_("complainant"), max_length=10, choices=ComplainantKind.choices)
    complainant_name = models.CharField(_("complainant's name"), max_length=100)
    complainant_phone = models.CharField(_("phone"), max_length=30, blank=True)
    complainant_email = models.EmailField(_("e-mail"), blank=True)
    complainant_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("portal user"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    external_reference = models.CharField(_("reference of the forwarding body"), max_length=60, blank=True)
    external_deadline = models.DateTimeField(_("deadline set by the forwarding body"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ZH)
    # what it is about
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category"))
    subcategory = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("subcategory"))
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    subject = models.CharField(_("subject"), max_length=150)
    description = models.TextField(_("description"))
    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="complaints", verbose_name=_("merchant"))
    terminal = models.ForeignKey(Terminal, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("terminal"))
    contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("contract"))
    # a ledger row (the ledger is partitioned by day: date and id together find it)
    transaction_date = models.DateField(_("transaction date"), null=True, blank=True)
    transaction_id = models.BigIntegerField(_("transaction"), null=True, blank=True)
    fault_ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="complaints", verbose_name=_("fault ticket"))
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("duplicate of"))
    # workflow
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.NEW)
    status_changed_at = models.DateTimeField(default=timezone.now)
    assignee = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("assignee"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    # SLA clocks (working hours; see complaints/services/sla.py)
    first_response_due = models.DateTimeField(_("first response due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    paused_since = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    first_response_warned_at = models.DateTimeField(null=True, blank=True)
    resolution_warned_at = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(_("first response breached"), null=True, blank=True)
    resolution_breached_at = models.DateTimeField(_("resolution breached"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # outcome
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    root_cause = models.ForeignKey(RootCause, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("root cause"))
    remedy = models.CharField(_("remedy"), max_length=12, choices=Remedy.choices, blank=True)
    remedy_minor = models.BigIntegerField(_("remedy amount (fen)"), null=True, blank=True)
    remedy_currency = models.CharField(_("currency"), max_length=3, default="CNY")
    resolution_summary = models.TextField(_("resolution"), blank=True)
    rejection_reason = models.TextField(_("reason for rejecting"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("comment on the rating"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        permissions = [
            ("handle_complaint", "Can record, answer, investigate and resolve complaints"),
            ("view_complaint_report", "Can read complaint reports and the regulator statistics"),
        ]
        indexes = [
            models.Index(fields=["number"], name="complaint_number_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["received_at", "id"], name="complaint_received"),
            models.Index(fields=["status", "received_at", "id"], name="complaint_status_received"),
            models.Index(fields=["merchant", "received_at", "id"], name="complaint_merchant_received"),
            models.Index(fields=["resolution_due", "id"], name="complaint_open_queue",
                         condition=Q(status__in=["new", "acknowledged", "investigating", "waiting"])),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["new", "acknowledged", "investigating", "waiting",
                                                           "resolved", "closed", "rejected"]),
                                   name="complaint_status_valid"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="complaint_rating_1_to_5"),
            models.CheckConstraint(condition=Q(remedy_minor__isnull=True) | Q(remedy_minor__gte=0),
                                   name="complaint_remedy_not_negative"),
            models.CheckConstraint(condition=Q(escalation_level__lte=2), name="complaint_escalation_level"),
            models.CheckConstraint(condition=Q(transaction_id__isnull=True) | Q(transaction_date__isnull=False),
                                   name="complaint_transaction_with_date"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def paused(self) -> bool:
        return self.paused_since is not None


class ComplaintMessage(models.Model):
    """The conversation the complainant sees: staff replies and the complainant's own messages. Internal notes
    are another model (:class:`ComplaintNote`), which merchants can never read through ``access.scope``."""

    class Author(models.TextChoices):
        STAFF = "staff", _("Staff")
        COMPLAINANT = "complainant", _("Complainant")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="messages")
    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author_kind = models.CharField(max_length=12, choices=Author.choices)
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    canned = models.ForeignKey("complaints.CannedResponse", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at", "id"], name="complaintmessage_thread")]

    def __str__(self) -> str:
        return f"{self.complaint} #{self.pk}"


class ComplaintNote(models.Model):
    """An internal note. No ``TENANT_FIELD``: ``access.scope`` gives merchant users none of them, ever."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("internal note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint} note #{self.pk}"


class ComplaintAttachment(models.Model):
    """A file stored through the core's upload service (checked, private, downloads audited)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey(ComplaintMessage, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="attachments")
    stored_name = models.CharField(max_length=200)
    filename = models.CharField(_("file"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("complaint file")
        verbose_name_plural = _("complaint files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.filename


class ComplaintPause(models.Model):
    """A span during which the SLA clocks stood still (waiting on the complainant)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint"], condition=Q(ended_at__isnull=True),
                                    name="complaintpause_one_open"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                                   name="complaintpause_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} {self.started_at:%Y-%m-%d %H:%M}"


class ComplaintEscalation(models.Model):
    """One escalation step, made at most once per complaint and level (1: team lead, 2: operations manager)."""

    class Level(models.IntegerChoices):
        TEAM_LEAD = 1, _("Team lead")
        MANAGER = 2, _("Operations manager")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="escalations")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    clock = models.CharField(_("clock"), max_length=16)  # "first_response" or "resolution"
    escalated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["escalated_at", "id"]
        constraints = [models.UniqueConstraint(fields=["complaint", "level"], name="complaintescalation_once")]

    def __str__(self) -> str:
        return f"{self.complaint} L{self.level}"
