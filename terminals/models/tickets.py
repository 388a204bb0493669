"""Maintenance tickets (faults) and the spare parts used on them."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from merchants.models import Merchant
from terminals.models.registry import Terminal


class Ticket(models.Model):
    """A maintenance ticket (fault) with SLA clocks (business hours)."""

    class Category(models.TextChoices):
        HARDWARE = "hardware", _("Hardware")
        SOFTWARE = "software", _("Software")
        NETWORK = "network", _("Network")
        OPERATOR = "operator", _("Operator error")
        CONSUMABLES = "consumables", _("Paper / consumables")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        CRITICAL = "critical", _("Critical: cannot take payments")
        HIGH = "high", _("High: payments degraded")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Merchant portal")
        PHONE = "phone", _("Phone call")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DIAGNOSING = "diagnosing", _("Remote diagnosis")
        DISPATCHED = "dispatched", _("Engineer dispatched")
        RESOLVED = "resolved", _("Resolved, waiting for the merchant")
        CLOSED = "closed", _("Closed (confirmed)")

    number = models.CharField(_("ticket"), max_length=20, unique=True)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="tickets")
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="tickets")
    channel = models.CharField(_("reported via"), max_length=8, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("description"))
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    status_changed_at = models.DateTimeField(default=timezone.now)
    assignee = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("assignee"))
    response_due = models.DateTimeField(_("response due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    resolution_code = models.CharField(_("resolution code"), max_length=20, blank=True)
    resolution_notes = models.TextField(_("resolution notes"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("maintenance ticket")
        verbose_name_plural = _("maintenance tickets")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["number"], name="ticket_number_prefix", opclasses=["varchar_pattern_ops"]),
            # the lists' keyset orders: newest first (all, by status, per merchant) and the open queue by due time
            models.Index(fields=["raised_at", "id"], name="ticket_raised"),
            models.Index(fields=["status", "raised_at", "id"], name="ticket_status_raised"),
            models.Index(fields=["merchant", "raised_at", "id"], name="ticket_merchant_raised"),
            models.Index(fields=["resolution_due", "id"], name="ticket_open_queue",
                         condition=Q(status__in=["open", "diagnosing", "dispatched"])),
        ]
        permissions = [("handle_ticket", "Can raise, diagnose, dispatch and resolve maintenance tickets")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "diagnosing", "dispatched", "resolved", "closed"]),
                                   name="ticket_status_valid"),
        ]

    def __str__(self) -> str:
        return self.number


class SparePartUse(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="parts")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    part = models.CharField(_("spare part"), max_length=100)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("spare part used")
        verbose_name_plural = _("spare parts used")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.part} x{self.quantity}"
