"""The ledger: one row per transaction a terminal captured, partitioned by month of ``local_date``.

The table is created by plain SQL (migration ``0002_ledger_partitions``): Django does not create partitioned
tables, so the model is unmanaged. The primary key in the database is (``local_date``, ``id``); ``id`` alone is
unique because it comes from one identity sequence, which is what the ORM is told. Amounts are signed integers in
minor units (fen): a refund, a void and a reversal are negative."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Transaction(models.Model):
    class Type(models.TextChoices):
        SALE = "sale", _("Sale")
        VOID = "void", _("Void")
        REFUND = "refund", _("Refund")
        PREAUTH = "preauth", _("Pre-authorisation")
        COMPLETION = "completion", _("Pre-authorisation completion")
        REVERSAL = "reversal", _("Reversal")

    class Channel(models.TextChoices):
        CHIP = "chip", _("Chip card")
        CONTACTLESS = "contactless", _("Contactless / NFC")
        MAGSTRIPE = "magstripe", _("Magnetic stripe")
        UNIONPAY_QR = "unionpay_qr", _("UnionPay QR")
        OTHER_QR = "other_qr", _("Other QR")

    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        VOIDED = "voided", _("Voided")
        REVERSED = "reversed", _("Reversed")

    class Funding(models.TextChoices):
        DEBIT = "debit", _("Debit")
        CREDIT = "credit", _("Credit")
        UNKNOWN = "unknown", _("Unknown")

    id = models.BigIntegerField(primary_key=True)
    local_date = models.DateField(_("local date"))
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="+", verbose_name=_("merchant"))
    terminal = models.ForeignKey("terminals.Terminal", on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="+", verbose_name=_("terminal"))
    mid = models.CharField(_("MID"), max_length=15)
    tid = models.CharField(_("TID"), max_length=8)
    type = models.CharField(_("type"), max_length=12, choices=Type.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    scheme = models.CharField(_("card scheme"), max_length=12, blank=True)
    funding = models.CharField(_("funding"), max_length=8, choices=Funding.choices, default=Funding.UNKNOWN)
    bin = models.CharField(_("BIN"), max_length=8, blank=True)
    last4 = models.CharField(_("last four"), max_length=4, blank=True)
    card_token = models.CharField(max_length=64, blank=True)
    amount_minor = models.BigIntegerField(_("amount"))
    fee_minor = models.BigIntegerField(_("fee"))
    net_minor = models.BigIntegerField(_("net amount"))
    currency = models.CharField(_("currency"), max_length=3)
    stan = models.CharField(_("STAN"), max_length=6)
    rrn = models.CharField(_("RRN"), max_length=12)
    auth_code = models.CharField(_("authorisation code"), max_length=6, blank=True)
    response_code = models.CharField(_("response code"), max_length=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    local_time = models.DateTimeField(_("local time"))  # timestamp without time zone: the terminal's wall clock
    at = models.DateTimeField(_("time (UTC)"))
    batch_no = models.CharField(_("batch number"), max_length=6, blank=True)
    settlement_date = models.DateField(_("settlement date"), null=True, blank=True)
    settlement_batch = models.ForeignKey("transactions.SettlementBatch", null=True, blank=True,
                                         on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    ingest_file = models.ForeignKey("transactions.IngestFile", null=True, blank=True, on_delete=models.DO_NOTHING,
                                    db_constraint=False, related_name="+")
    source_line = models.IntegerField(null=True, blank=True)
    # Another row that should clear has the same match key (RRN + MID + TID) on the same day: set by the database
    # (trigger ``transaction_repeated``, migration 0007) for every writer; the reconciliation judges these keys
    # apart (``transactions/services/recon.py``).
    repeated = models.BooleanField(default=False, editable=False)

    TENANT_FIELD = "merchant_id"

    class Meta:
        managed = False
        db_table = "transactions_transaction"
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")

    def __str__(self) -> str:
        return f"{self.tid} {self.rrn}"

    @property
    def masked_card(self) -> str:
        """``622588******1234`` when there is a card; empty for a QR payment without one."""
        if not self.bin:
            return ""
        return f"{self.bin}{'*' * max(16 - len(self.bin) - 4, 2)}{self.last4}"
