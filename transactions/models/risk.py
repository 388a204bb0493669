"""Risk monitoring: rules that analysts version and tune, the alerts they raise over the ledger, the cases alerts
group into, the evidence kept on a case, and the settlement holds that keep a merchant's money back.

See ``docs/risk.md`` for the model and the reasons behind it."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    """The shipped rules: what each looks for is fixed in code (set-based SQL), how sensitive it is (thresholds,
    windows, scope) is in its versions."""

    LARGE_TICKET = "large_ticket", _("Single amount far above the merchant's usual ticket")
    CARD_VELOCITY = "card_velocity", _("Many transactions on one card in a short time")
    TERMINAL_VELOCITY = "terminal_velocity", _("Many transactions on one terminal in a short time")
    SPLIT_SALES = "split_sales", _("Sales split just under a limit")
    OFF_HOURS = "off_hours", _("Activity outside business hours")
    ROUND_AMOUNTS = "round_amounts", _("Round amounts on credit cards (cash-out)")
    REFUND_RATIO = "refund_ratio", _("High refund or void ratio")
    REPEATED_DECLINES = "repeated_declines", _("Repeated declines")
    FAR_LOCATION = "far_location", _("Transaction far from the installation address")
    DORMANT_TERMINAL = "dormant_terminal", _("Dormant terminal suddenly active")
    NEW_MERCHANT_VOLUME = "new_merchant_volume", _("New merchant's volume far above its application")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskRule(models.Model):
    """A rule analysts tune: its kind and the version in force. Staff see its name; merchants never do."""

    kind = models.CharField(_("kind"), max_length=24, choices=RuleKind.choices)
    name = models.CharField(_("name"), max_length=120, unique=True)
    current = models.ForeignKey("transactions.RiskRuleVersion", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("version in force"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("risk rule")
        permissions = [("manage_risk_rule", "Can create, tune, enable and disable risk rules")]

    def __str__(self) -> str:
        return self.name

    @property
    def enabled(self) -> bool:
        return bool(self.current and self.current.enabled)


class RiskRuleVersion(models.Model):
    """One version of a rule: every change (tuning, scope, enabling, disabling) is a new version with who, when
    and why; an alert and its case keep the version that raised them."""

    rule = models.ForeignKey(RiskRule, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    enabled = models.BooleanField(_("enabled"), default=False)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    # thresholds and windows, validated per kind (``transactions/services/risk_rules.py``, ``PARAMETERS``)
    params = models.JSONField(_("parameters"), default=dict)
    # scope: empty lists mean every merchant
    scope_mccs = models.JSONField(_("MCCs"), default=list, blank=True)
    scope_risk_levels = models.JSONField(_("risk ratings"), default=list, blank=True)
    scope_merchant = models.ForeignKey("merchants.Merchant", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("only this merchant"))
    reason = models.TextField(_("why"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["rule", "-number"]
        verbose_name = _("risk rule version")
        constraints = [models.UniqueConstraint(fields=["rule", "number"], name="risk_rule_version_unique")]

    def __str__(self) -> str:
        return f"{self.rule} v{self.number}"


class RiskCase(models.Model):
    """Alerts of one merchant and one rule within ``ACQUIRER_RISK_CASE_WINDOW_DAYS`` grouped into one piece of
    work: investigated, decided with a reason, and (confirmed) reported to the regulator by its deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INVESTIGATING = "investigating", _("Investigating")
        ESCALATED = "escalated", _("Escalated")
        CONFIRMED = "confirmed", _("Confirmed")
        FALSE_POSITIVE = "false_positive", _("False positive")
        CLOSED = "closed", _("Closed")

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("merchant"))
    rule = models.ForeignKey(RiskRule, on_delete=models.PROTECT, related_name="cases", verbose_name=_("rule"))
    version = models.ForeignKey(RiskRuleVersion, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("rule version"))  # the version that opened the case
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    status_changed_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    last_alert_at = models.DateTimeField(_("last alert"), default=timezone.now)
    alert_count = models.PositiveIntegerField(_("alerts"), default=0)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("assigned to"))
    outcome_reason = models.TextField(_("reason for the outcome"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    # a major risk event is reported to the regulator within working days (``ACQUIRER_RISK_REPORT_DAYS``, 3)
    major = models.BooleanField(_("major risk event"), default=False)
    report_due = models.DateField(_("report due"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)  # the last reminder, so a day gets one

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("risk case")
        permissions = [
            ("handle_risk_case", "Can investigate risk cases and decide their outcome"),
            ("report_risk_case", "Can produce and file suspicious-transaction reports"),
        ]
        indexes = [
            models.Index(fields=["status", "opened_at", "id"], name="riskcase_status_age"),
            models.Index(fields=["merchant", "rule", "status"], name="riskcase_grouping"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class RiskAlert(models.Model):
    """One finding of one rule version: a merchant (and terminal or card where the rule looks at one), the window
    it looked at, the facts it measured and the transactions behind it. ``key`` makes evaluation idempotent: the
    same finding evaluated again (a re-run, the nightly pass over rows a batch already saw) adds nothing."""

    rule = models.ForeignKey(RiskRule, on_delete=models.PROTECT, related_name="alerts")
    version = models.ForeignKey(RiskRuleVersion, on_delete=models.PROTECT, related_name="alerts")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("merchant"))
    terminal = models.ForeignKey("terminals.Terminal", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("terminal"))
    case = models.ForeignKey(RiskCase, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts")
    key = models.CharField(max_length=200)  # what the finding is about: e.g. card token and hour, terminal and day
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("to"))
    facts = models.JSONField(_("facts"), default=dict)  # the numbers measured, named per kind
    # the ledger rows behind it as [local_date, id] pairs (at most ``MAX_LINKED`` kept; ``transactions`` counts all)
    linked = models.JSONField(default=list)
    transactions = models.PositiveIntegerField(_("transactions"), default=0)
    amount_minor = models.BigIntegerField(_("amount"), default=0)
    source = models.CharField(max_length=8, default="batch")  # batch (an ingested file) | nightly
    ingest_file_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("raised"), default=timezone.now)

    MAX_LINKED = 200

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("risk alert")
        constraints = [models.UniqueConstraint(fields=["rule", "merchant", "key"], name="risk_alert_once")]
        indexes = [models.Index(fields=["rule", "created_at"], name="riskalert_rule_time")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.key}"


class RiskEvidence(models.Model):
    """What a case keeps as evidence: a note, a file (through the core's upload service, stored privately), or a
    linked ledger row. Internal: merchants never see it."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        FILE = "file", _("File")
        TRANSACTION = "transaction", _("Linked transaction")

    case = models.ForeignKey(RiskCase, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("note"), blank=True)
    stored_name = models.CharField(max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    transaction_date = models.DateField(null=True, blank=True)
    transaction_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("evidence")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["note", "file", "transaction"]), name="riskevidence_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class SettlementHold(models.Model):
    """Money of a merchant kept back from its payouts: all of it, or up to an amount. Placed by one person,
    released only with a second (not the one who placed it). The settlement build honours active holds; the
    merchant sees the hold with the wording it may see and the expected review date."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELEASE_REQUESTED = "release_requested", _("Release requested")
        RELEASED = "released", _("Released")

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("merchant"))
    case = models.ForeignKey(RiskCase, null=True, blank=True, on_delete=models.PROTECT, related_name="holds",
                             verbose_name=_("case"))
    amount_minor = models.BigIntegerField(_("amount held"), null=True, blank=True)  # NULL: everything
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    held_minor = models.BigIntegerField(_("kept back so far"), default=0)  # what settlement batches kept back
    # of that, what later batches paid back after the release (0012): paid exactly once
    paid_back_minor = models.BigIntegerField(_("paid back"), default=0)
    reason = models.TextField(_("reason (internal)"))
    merchant_reason = models.CharField(_("reason the merchant sees"), max_length=300)
    review_date = models.DateField(_("expected review date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_changed_at = models.DateTimeField(default=timezone.now)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    release_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    release_reason = models.TextField(_("reason for the release"), blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    TENANT_FIELD = "merchant_id"

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("settlement hold")
        permissions = [
            ("place_hold", "Can hold a merchant's settlement"),
            ("release_hold", "Can release a settlement hold (second approver)"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__isnull=True) | Q(amount_minor__gt=0),
                                   name="hold_amount_positive"),
            models.CheckConstraint(condition=Q(held_minor__gte=0), name="hold_held_not_negative"),
            models.CheckConstraint(condition=Q(paid_back_minor__gte=0, paid_back_minor__lte=F("held_minor")),
                                   name="hold_paid_back_within_held"),
        ]
        indexes = [models.Index(fields=["merchant", "status"], name="hold_merchant_status")]

    def __str__(self) -> str:
        return f"#{self.pk}"
