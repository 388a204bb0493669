"""Reconciliation: runs over one business date and one pair of sources, split into chunks that any worker can
take; per-merchant sums per category; and every break as a work item (``ReconException``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

RUN_STATUSES = ["queued", "running", "done", "failed", "superseded"]
CATEGORIES = ["matched", "amount_mismatch", "missing_ours", "missing_theirs", "duplicate"]
EXCEPTION_STATUSES = ["open", "investigating", "proposed", "resolved", "superseded"]


class Category(models.TextChoices):
    MATCHED = "matched", _("Matched")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount mismatch")
    MISSING_OURS = "missing_ours", _("Missing in our records")
    MISSING_THEIRS = "missing_theirs", _("Missing on their side")
    DUPLICATE = "duplicate", _("Duplicate")


class InputChange(models.Model):
    """One change to the rows a reconciliation side reads for one date: rows inserted (one entry per statement,
    date and file) or a row's status or amount changed (one entry per row). Written by the database's triggers
    (migration 0008) for every writer; a run's fingerprint of its inputs is read from here, by index, instead of
    from the million rows themselves."""

    class Source(models.TextChoices):
        LEDGER = "ledger", _("Ledger")
        CLEARING = "clearing", _("Clearing records")

    source = models.CharField(max_length=8, choices=Source.choices)
    local_date = models.DateField()
    ingest_file_id = models.BigIntegerField(null=True, blank=True)  # NULL: rows not written by an ingest
    rows = models.IntegerField()  # rows inserted; 0 for a changed row

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["source", "local_date"], name="inputchange_source_date")]

    def __str__(self) -> str:
        return f"{self.source} {self.local_date}"


class ReconRun(models.Model):
    class Side(models.TextChoices):
        CLEARING = "clearing", _("Ledger and network clearing")
        BANK = "bank", _("Payouts and bank statement")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        SUPERSEDED = "superseded", _("Superseded by a later run")

    side = models.CharField(_("sources"), max_length=10, choices=Side.choices)
    business_date = models.DateField(_("business date"))
    input_hash = models.CharField(max_length=64)  # SHA-256 over the input files' hashes and the settings used
    inputs = models.JSONField(default=list)  # [{"file": id, "name": ..., "sha256": ...}]
    chunks = models.PositiveSmallIntegerField(_("chunks"), default=1)
    tolerance_minor = models.PositiveIntegerField(_("amount tolerance"), default=0)
    window_days = models.PositiveSmallIntegerField(_("date window (days)"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    status_changed_at = models.DateTimeField(default=timezone.now)
    message = models.TextField(blank=True)
    totals = models.JSONField(default=dict)  # {category: {"count": n, "ours": minor, "theirs": minor}}
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-business_date", "-id"]
        verbose_name = _("reconciliation run")
        permissions = [("run_reconciliation", "Can start a reconciliation run")]
        constraints = [
            models.UniqueConstraint(fields=["side", "business_date", "input_hash"], name="recon_run_once"),
            models.CheckConstraint(condition=Q(status__in=RUN_STATUSES), name="recon_run_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} {self.business_date:%Y-%m-%d}"


class ReconChunk(models.Model):
    run = models.ForeignKey(ReconRun, on_delete=models.CASCADE, related_name="chunk_set")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, default="queued")
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="recon_chunk_unique")]

    def __str__(self) -> str:
        return f"{self.run} #{self.number}"


class ReconSummary(models.Model):
    """Counts and sums of one run, one merchant (null: an unknown MID) and one category."""

    run = models.ForeignKey(ReconRun, on_delete=models.CASCADE, related_name="summaries")
    chunk = models.PositiveSmallIntegerField()
    merchant_id = models.BigIntegerField(null=True, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    count = models.PositiveIntegerField(_("count"))
    ours_minor = models.BigIntegerField(_("our amount"))
    theirs_minor = models.BigIntegerField(_("their amount"))

    TENANT_FIELD = "merchant_id"

    class Meta:
        ordering = ["run", "merchant_id", "category"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["run", "chunk", "merchant_id", "category"], nulls_distinct=False,
                                    name="recon_summary_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.category} {self.count}"


class ReconException(models.Model):
    """A break between two sources that someone has to explain: open → investigating → proposed → resolved."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INVESTIGATING = "investigating", _("Investigating")
        PROPOSED = "proposed", _("Resolution proposed")
        RESOLVED = "resolved", _("Resolved")
        SUPERSEDED = "superseded", _("Superseded by a later run")

    class Resolution(models.TextChoices):
        ADJUSTMENT = "adjustment", _("Adjustment")
        WRITE_OFF = "write_off", _("Write-off")
        ACCEPTED = "accepted", _("Accepted with a note")

    run = models.ForeignKey(ReconRun, on_delete=models.PROTECT, related_name="exceptions")
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    merchant = models.ForeignKey("merchants.Merchant", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("merchant"))
    business_date = models.DateField(_("business date"))
    mid = models.CharField(_("MID"), max_length=15, blank=True)
    tid = models.CharField(_("TID"), max_length=8, blank=True)
    rrn = models.CharField(_("RRN"), max_length=12, blank=True)
    reference = models.CharField(_("reference"), max_length=40, blank=True)  # payout reference (bank side)
    transaction_date = models.DateField(null=True, blank=True)  # with transaction_id: the ledger row
    transaction_id = models.BigIntegerField(null=True, blank=True)
    clearing_record = models.ForeignKey("transactions.ClearingRecord", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    statement_line = models.ForeignKey("transactions.BankStatementLine", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    settlement_batch = models.ForeignKey("transactions.SettlementBatch", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    ours_minor = models.BigIntegerField(_("our amount"), null=True, blank=True)
    theirs_minor = models.BigIntegerField(_("their amount"), null=True, blank=True)
    difference_minor = models.BigIntegerField(_("difference"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.OPEN)
    status_changed_at = models.DateTimeField(default=timezone.now)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("assigned to"))
    resolution = models.CharField(_("resolution"), max_length=12, choices=Resolution.choices, blank=True)
    resolution_minor = models.BigIntegerField(_("adjustment amount"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    proposed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("found"), default=timezone.now)

    TENANT_FIELD = "merchant_id"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reconciliation exception")
        permissions = [("handle_recon_exception", "Can investigate and propose how to resolve a break"),
                       ("approve_recon_exception", "Can approve a proposed resolution (second pair of eyes)")]
        indexes = [
            models.Index(fields=["status", "created_at", "id"], name="reconexc_status_age"),
            models.Index(fields=["merchant", "created_at", "id"], name="reconexc_merchant"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=EXCEPTION_STATUSES), name="reconexc_status_valid"),
            models.CheckConstraint(condition=~Q(category="matched"), name="reconexc_not_matched"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.rrn or self.reference}"
