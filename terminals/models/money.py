"""Money of a terminal: deposit movements and monthly rent (Decimal with a currency)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from merchants.models import Merchant
from terminals.models.registry import Terminal


class DepositMovement(models.Model):
    class Kind(models.TextChoices):
        TAKEN = "taken", _("Deposit taken")
        REFUNDED = "refunded", _("Deposit refunded")
        FORFEITED = "forfeited", _("Deposit forfeited")

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="deposit_movements")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("movement"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("deposit movement")
        verbose_name_plural = _("deposit movements")
        ordering = ["-recorded_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="deposit_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class RentCharge(models.Model):
    """Monthly terminal rent, exactly one per terminal and month (the job may run any number of times).

    Charged only for the days of the month inside the contract term and from the terminal's rent start,
    pro rata by day (docs/terminals.md); a wrong charge is credited back by an operations manager."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        PAID = "paid", _("Paid")
        WAIVED = "waived", _("Waived")
        CREDITED = "credited", _("Credited back")

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="rent_charges")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="rent_charges")
    month = models.DateField(_("month"))  # the first day of the month
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DUE)
    status_changed_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(_("due on"))
    contract_version = models.PositiveIntegerField(null=True, blank=True)
    days = models.PositiveSmallIntegerField(_("days billed"), null=True, blank=True)
    days_in_month = models.PositiveSmallIntegerField(null=True, blank=True)
    credit_reason = models.CharField(_("reason credited back"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    TENANT_FIELD = "merchant_id"


    class Meta:
        verbose_name = _("rent charge")
        verbose_name_plural = _("rent charges")
        ordering = ["-month", "terminal_id"]
        indexes = [
            # the rent list's keyset order (month, id), whole and by status
            models.Index(fields=["month", "id"], name="rent_month"),
            models.Index(fields=["status", "month", "id"], name="rent_status_month"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["terminal", "month"], name="rent_once_per_terminal_and_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="rent_month_is_first_day"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="rent_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.terminal} {self.month:%Y-%m}"

    @property
    def is_pro_rata(self) -> bool:
        return bool(self.days and self.days_in_month and self.days < self.days_in_month)
