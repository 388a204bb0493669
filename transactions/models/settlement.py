"""Settlement: what each merchant is owed for a day of transactions, and the payout files sent to the bank."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

BATCH_STATUSES = ["open", "in_payout", "paid", "held", "returned"]


class PayoutFile(models.Model):
    """One payout instruction file for the bank: the batches due on ``payout_date``."""

    payout_date = models.DateField(_("payout date"))
    stored_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("payouts"))
    total_minor = models.BigIntegerField(_("total"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-payout_date", "-id"]
        verbose_name = _("payout file")

    def __str__(self) -> str:
        return f"{self.payout_date:%Y-%m-%d} ({self.rows})"


class SettlementBatch(models.Model):
    """One merchant's settlement for one transaction date and currency. ``payout_minor`` is what leaves: the net
    less what a risk hold keeps back (``held_minor``) plus what released holds had kept back before
    (``released_minor``); with a negative net only the released money is paid (the net is carried)."""

    class Status(models.TextChoices):
        OPEN = "open", _("To be paid")
        IN_PAYOUT = "in_payout", _("In a payout file")
        PAID = "paid", _("Paid (confirmed by the bank)")
        HELD = "held", _("Held")
        RETURNED = "returned", _("Returned by the bank")

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("merchant"))
    settlement_date = models.DateField(_("transaction date"))
    payout_date = models.DateField(_("payout date"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    cycle = models.CharField(_("settlement cycle"), max_length=3)
    transactions = models.PositiveIntegerField(_("transactions"), default=0)
    sales_minor = models.BigIntegerField(_("sales"), default=0)
    refunds_minor = models.BigIntegerField(_("refunds"), default=0)  # zero or negative
    fees_minor = models.BigIntegerField(_("fees"), default=0)
    net_minor = models.BigIntegerField(_("net"), default=0)
    held_minor = models.BigIntegerField(_("held"), default=0)
    # money a released risk hold had kept back in earlier batches, paid with this one (``risk_holds``)
    released_minor = models.BigIntegerField(_("released from holds"), default=0)
    payout_minor = models.BigIntegerField(_("payout"), default=0)
    settlement_account = models.ForeignKey("merchants.SettlementAccount", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    account_masked = models.CharField(_("account"), max_length=32, blank=True)
    payout_reference = models.CharField(_("payout reference"), max_length=20, unique=True)
    payout_file = models.ForeignKey(PayoutFile, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="batches")
    hold_reason = models.CharField(_("hold reason"), max_length=300, blank=True)  # the wording a merchant may see
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    status_changed_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    TENANT_FIELD = "merchant_id"

    class Meta:
        ordering = ["-settlement_date", "-id"]
        verbose_name = _("settlement batch")
        verbose_name_plural = _("settlement batches")
        permissions = [("manage_settlement", "Can build settlement batches and payout files")]
        indexes = [
            models.Index(fields=["merchant", "settlement_date", "id"], name="batch_merchant_date"),
            models.Index(fields=["payout_date", "status"], name="batch_payout_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "settlement_date", "currency"], name="batch_one_per_day"),
            models.CheckConstraint(condition=Q(status__in=BATCH_STATUSES), name="batch_status_valid"),
            models.CheckConstraint(condition=Q(held_minor__gte=0), name="batch_held_not_negative"),
            models.CheckConstraint(condition=Q(released_minor__gte=0), name="batch_released_not_negative"),
            models.CheckConstraint(
                condition=Q(payout_minor=F("net_minor") - F("held_minor") + F("released_minor"))
                | Q(net_minor__lt=0, held_minor=0, payout_minor=F("released_minor")),
                name="batch_payout_is_net_less_held_plus_released"),
        ]

    def __str__(self) -> str:
        return self.payout_reference
