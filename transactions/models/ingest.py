"""What the ledger and the reconciliation are fed from: uploaded or dropped files, the card network's clearing
records, the settlement bank's statement lines, the BIN table and our own accounts at the banks."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.fields import EncryptedTextField


class BinRange(models.Model):
    """A card number prefix (the longest match wins) and what it says of the card."""

    prefix = models.CharField(_("prefix"), max_length=8, unique=True)
    scheme = models.CharField(_("card scheme"), max_length=12)
    funding = models.CharField(_("funding"), max_length=8)  # debit, credit, unknown
    issuer = models.CharField(_("issuer"), max_length=100, blank=True)

    class Meta:
        ordering = ["prefix"]
        verbose_name = _("BIN range")
        constraints = [
            models.CheckConstraint(condition=Q(prefix__regex=r"^[0-9]{1,8}$"), name="bin_prefix_digits"),
            models.CheckConstraint(condition=Q(funding__in=["debit", "credit", "unknown"]), name="bin_funding_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.scheme}"


class ClearingAccount(models.Model):
    """One of the acquirer's own accounts at a settlement bank (where the network pays in and payouts leave).
    A bank statement is accepted only for one of these or for a merchant's settlement account in use."""

    name = models.CharField(_("name"), max_length=100)
    bank_name = models.CharField(_("bank"), max_length=100)
    account_number = EncryptedTextField(_("account number"))
    account_number_hash = models.CharField(max_length=64, unique=True)
    account_number_masked = models.CharField(max_length=32)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("clearing account")

    def __str__(self) -> str:
        return f"{self.name} {self.account_number_masked}"


INGEST_STATUSES = ["queued", "running", "done", "refused", "failed"]
# How many days apart two clearing records with one match key are marked ``repeated``: twice the widest
# reconciliation window (``ACQUIRER_RECON_WINDOW_DAYS`` is at most 7), so that any two records one run reads are.
REPEAT_HORIZON_DAYS = 14


class IngestFile(models.Model):
    class Kind(models.TextChoices):
        JOURNAL = "journal", _("Host journal (ISO 8583)")
        JOURNAL_CSV = "journal-csv", _("Host journal (CSV)")
        CLEARING = "clearing", _("Network clearing file")
        BANK_STATEMENT = "bank-statement", _("Bank statement (MT940)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField(_("size"), default=0)
    stored_name = models.CharField(max_length=200, blank=True)  # private, encrypted: the original or the rewrite
    report_name = models.CharField(max_length=200, blank=True)  # private, encrypted: the row report (CSV)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    status_changed_at = models.DateTimeField(default=timezone.now)
    message = models.TextField(_("message"), blank=True)  # the one-line reason of a refusal or failure
    business_date = models.DateField(_("business date"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    new = models.PositiveIntegerField(_("new"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    source = models.CharField(_("source"), max_length=10, default="upload")  # upload | command
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ingested file")
        permissions = [("ingest_file", "Can upload transaction, clearing and bank files")]
        indexes = [models.Index(fields=["created_at", "id"], name="ingestfile_created")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=INGEST_STATUSES), name="ingestfile_status_valid"),
        ]

    def __str__(self) -> str:
        return self.original_name


class ClearingRecord(models.Model):
    """One line of the card network's clearing file, kept for reconciliation against the ledger."""

    clearing_date = models.DateField(_("clearing date"))
    local_date = models.DateField(_("transaction date"))
    mid = models.CharField(_("MID"), max_length=15)
    tid = models.CharField(_("TID"), max_length=8)
    rrn = models.CharField(_("RRN"), max_length=12)
    stan = models.CharField(_("STAN"), max_length=6)
    type = models.CharField(_("type"), max_length=12)
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    interchange_minor = models.BigIntegerField(_("interchange fee"), default=0)
    bin = models.CharField(_("BIN"), max_length=8, blank=True)
    last4 = models.CharField(_("last four"), max_length=4, blank=True)
    merchant_id = models.BigIntegerField(null=True, blank=True)  # resolved from the MID at ingest, when known
    # As the ledger's: no per-row foreign key check and no index (a million rows a file; nothing reads by file).
    # The ingest inserts a file's rows holding a KEY SHARE lock on its IngestFile; PROTECT still guards deletes.
    ingest_file = models.ForeignKey(IngestFile, on_delete=models.PROTECT, db_constraint=False, db_index=False,
                                    related_name="+")
    source_line = models.IntegerField()
    # Another clearing record has the same match key (RRN + MID + TID) within ``REPEAT_HORIZON_DAYS``: set by the
    # database (trigger ``clearing_record_repeated``, migration 0007) for every writer; the reconciliation judges
    # these keys apart (``transactions/services/recon.py``).
    repeated = models.BooleanField(default=False, db_default=False, editable=False)

    TENANT_FIELD = "merchant_id"

    class Meta:
        ordering = ["clearing_date", "id"]
        default_permissions = ("view",)
        verbose_name = _("clearing record")
        indexes = [
            # the key's look-up by the trigger that marks repeated keys; reading a window of dates uses the unique
            # key, which begins with the date
            models.Index(fields=["rrn", "local_date"], name="clearing_rrn_date"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["local_date", "tid", "stan", "rrn", "type"], name="clearing_record_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.tid} {self.rrn}"


class BankStatementLine(models.Model):
    """One entry of a settlement bank's MT940 statement for a registered account."""

    account_hash = models.CharField(max_length=64)
    account_masked = models.CharField(_("account"), max_length=32)
    clearing_account = models.ForeignKey(ClearingAccount, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    merchant_id = models.BigIntegerField(null=True, blank=True)  # when the account is a merchant's
    statement_reference = models.CharField(_("statement reference"), max_length=35)
    value_date = models.DateField(_("value date"))
    entry_date = models.DateField(_("entry date"), null=True, blank=True)
    amount_minor = models.BigIntegerField(_("amount"))  # credits positive, debits negative
    currency = models.CharField(_("currency"), max_length=3)
    reference = models.CharField(_("reference"), max_length=40, blank=True)  # the payout reference, when given
    details = models.TextField(_("details"), blank=True)
    sequence = models.PositiveIntegerField()  # position in its statement: identical entries stay distinct
    ingest_file = models.ForeignKey(IngestFile, on_delete=models.PROTECT, related_name="+")

    TENANT_FIELD = "merchant_id"

    class Meta:
        ordering = ["value_date", "id"]
        default_permissions = ("view",)
        verbose_name = _("bank statement line")
        indexes = [models.Index(fields=["value_date", "reference"], name="bankline_date_reference")]
        constraints = [
            models.UniqueConstraint(fields=["account_hash", "statement_reference", "sequence"],
                                    name="bank_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.account_masked} {self.value_date:%Y-%m-%d} {self.reference}"
