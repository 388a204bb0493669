"""Field work orders: survey, installation, maintenance visit, repair, swap, retrieval."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from merchants.models import Merchant
from terminals.models.registry import Terminal


class WorkOrder(models.Model):
    class Kind(models.TextChoices):
        SURVEY = "survey", _("Site survey")
        INSTALLATION = "installation", _("Installation")
        MAINTENANCE = "maintenance", _("Preventive maintenance visit")
        REPAIR = "repair", _("On-site repair")
        SWAP = "swap", _("Terminal swap")
        RETRIEVAL = "retrieval", _("Retrieval")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("work order"), max_length=20, unique=True)
    kind = models.CharField(_("type"), max_length=14, choices=Kind.choices)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="work_orders")
    terminal = models.ForeignKey(Terminal, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="work_orders")
    ticket = models.ForeignKey("Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="work_orders")
    address = models.CharField(_("address"), max_length=300, blank=True)
    engineer = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("engineer"))
    window_start = models.DateTimeField(_("window from"), null=True, blank=True)
    window_end = models.DateTimeField(_("window until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    status_changed_at = models.DateTimeField(default=timezone.now)
    instructions = models.TextField(_("instructions"), blank=True)
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)  # item key -> done (bool)
    signed_off_by = models.CharField(_("merchant sign-off (name)"), max_length=100, blank=True)
    minutes_spent = models.PositiveIntegerField(_("time spent (minutes)"), null=True, blank=True)
    completion_notes = models.TextField(_("completion notes"), blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["number"], name="work_order_number_prefix", opclasses=["varchar_pattern_ops"]),
            # the board's keyset orders: newest first (all and by status) and a day's windows
            models.Index(fields=["created_at", "id"], name="work_order_created"),
            models.Index(fields=["status", "created_at", "id"], name="work_order_status_created"),
            models.Index(fields=["window_start", "id"], name="work_order_window"),
        ]
        permissions = [("dispatch_work_order", "Can create, assign and cancel field work orders")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "assigned", "in_progress", "done", "cancelled"]),
                                   name="work_order_status_valid"),
            models.CheckConstraint(condition=Q(window_start__isnull=True) | Q(window_end__isnull=True)
                                   | Q(window_end__gt=models.F("window_start")), name="work_order_window_order"),
        ]

    def __str__(self) -> str:
        return self.number
