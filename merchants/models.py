"""Merchants: KYC profile, documents, review, contracts, settlement accounts, inspections, blacklist.

The link between a merchant user and its merchant (``MerchantMembership``) lives here, not on the user
model, so ``acquirer`` never imports ``merchants``. Sensitive identifiers (resident ID, bank account
number) are stored encrypted (``EncryptedTextField``) with a keyed-hash column for look-ups and a
masked form for display. See docs/merchants.md for the data model and workflow.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from acquirer.fields import EncryptedTextField

User = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 16, "decimal_places": 2}
# Status values repeated for the database constraints (a Meta class cannot see its model's choices).
MERCHANT_STATUSES = ["draft", "submitted", "under_review", "info_requested", "approved", "active", "rejected",
                     "suspended", "terminated"]
CONTRACT_STATUSES = ["draft", "offered", "accepted", "active", "superseded", "terminated", "withdrawn"]
SETTLEMENT_STATUSES = ["pending", "verified", "active", "rejected", "replaced"]


class Merchant(models.Model):
    class Type(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        INDIVIDUAL_BUSINESS = "individual_business", _("Individual business (个体工商户)")
        MICRO = "micro", _("Individual / micro merchant")

    class Premises(models.TextChoices):
        FIXED = "fixed", _("Fixed business premises")
        NONE = "none", _("No fixed premises")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        INFO_REQUESTED = "info_requested", _("Information requested")
        APPROVED = "approved", _("Approved")
        ACTIVE = "active", _("Active")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")
        TERMINATED = "terminated", _("Terminated")

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    # identity
    legal_name = models.CharField(_("legal name"), max_length=200)
    trading_name = models.CharField(_("trading name"), max_length=200, blank=True)
    merchant_type = models.CharField(_("merchant type"), max_length=24, choices=Type.choices, default=Type.ENTERPRISE)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    legal_rep_name = models.CharField(_("legal representative"), max_length=100, blank=True)
    legal_rep_id = EncryptedTextField(_("legal representative resident ID"), blank=True)
    legal_rep_id_hash = models.CharField(max_length=64, blank=True, db_index=True)
    legal_rep_id_masked = models.CharField(max_length=18, blank=True)
    # business
    business_scope = models.TextField(_("business scope"), blank=True)
    mcc = models.CharField(_("MCC"), max_length=4, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    region_code = models.CharField(_("region code"), max_length=4, blank=True,
                                   help_text=_("Four-digit area code used in the merchant number."))
    address = models.CharField(_("business address"), max_length=300, blank=True)
    premises = models.CharField(_("premises"), max_length=8, choices=Premises.choices, default=Premises.FIXED)
    business_started_on = models.DateField(_("in business since"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    expected_monthly_volume = models.DecimalField(_("expected monthly volume"), **MONEY, null=True, blank=True,
                                                  validators=[MinValueValidator(Decimal("0"))])
    average_ticket = models.DecimalField(_("average ticket"), **MONEY, null=True, blank=True,
                                         validators=[MinValueValidator(Decimal("0"))])
    # contact
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = PhoneNumberField(_("contact phone"), region="CN", blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans",
                                choices=[("zh-hans", "简体中文"), ("en", "English")])
    # workflow
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    status_changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    applicant = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # staff who submitted or edited the application on the merchant's behalf (may not approve it)
    staff_editor_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    assigned_reviewer = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    info_request_note = models.TextField(blank=True)
    first_approval_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    first_approval_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    mid = models.CharField(_("merchant number (MID)"), max_length=15, null=True, blank=True, unique=True)
    # risk
    risk_level = models.CharField(_("risk rating"), max_length=8, choices=Risk.choices, blank=True)
    risk_score = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_reasons = models.JSONField(default=list, blank=True)
    risk_override = models.CharField(max_length=8, choices=Risk.choices, blank=True)
    risk_override_reason = models.TextField(blank=True)
    risk_override_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # follow-up
    next_inspection_due = models.DateField(_("next inspection due"), null=True, blank=True)
    exit_due_on = models.DateField(_("exit due"), null=True, blank=True)

    TENANT_FIELD = "id"

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["legal_name", "id"]
        permissions = [
            ("review_merchant", "Can review merchant applications"),
            ("approve_high_risk_merchant", "Can give the second approval of a high-risk merchant"),
            ("override_risk", "Can override a merchant's risk rating"),
            ("manage_blacklist", "Can add and remove blacklist entries"),
            ("view_kyc_secrets", "Can see resident ID and account numbers in clear"),
            ("manage_contracts", "Can prepare, countersign and terminate contracts"),
            ("approve_settlement_account", "Can verify and approve settlement account changes"),
            ("inspect_merchant", "Can record on-site inspections"),
            ("export_merchants", "Can export the merchant register"),
            ("suspend_merchant", "Can suspend merchants"),
            ("reactivate_merchant", "Can reactivate a suspended merchant"),
            ("terminate_merchant", "Can terminate the relationship with a merchant"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MERCHANT_STATUSES), name="merchant_status_valid"),
            models.CheckConstraint(condition=Q(risk_level__in=["", "low", "medium", "high"]),
                                   name="merchant_risk_valid"),
        ]
        indexes = [  # the keyset orders of the register and of the inspection plan
            models.Index(fields=["legal_name", "id"], name="merchant_name_id_idx"),
            models.Index(fields=["next_inspection_due", "id"], name="merchant_inspection_due_idx"),
        ]

    def __str__(self) -> str:
        return self.trading_name or self.legal_name

    @property
    def effective_risk(self) -> str:
        return self.risk_override or self.risk_level

    @property
    def effective_risk_display(self) -> str:
        return self.Risk(self.effective_risk).label if self.effective_risk else ""

    @property
    def mcc_label(self) -> str:
        """The MCC with its meaning ("5812 餐馆 / Eating places and restaurants"); an unknown code as itself."""
        from merchants.data import mcc_label

        return mcc_label(self.mcc)

    @property
    def region_label(self) -> str:
        """The region code with its place ("2900 上海市"); an unknown code as itself."""
        from merchants.data import region_label

        return region_label(self.region_code)


class MerchantMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        STAFF = "staff", _("Staff")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="merchant_membership")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(default=timezone.now)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("merchant user")
        verbose_name_plural = _("merchant users")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=["owner", "staff"]), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant}"


class MidSequence(models.Model):
    """Next sequence per MID prefix (institution + region + MCC); numbers only go up, never reused."""

    prefix = models.CharField(max_length=11, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class MerchantDocument(models.Model):
    class Kind(models.TextChoices):
        BUSINESS_LICENCE = "business_licence", _("Business licence")
        ID_FRONT = "id_front", _("Legal representative ID (front)")
        ID_BACK = "id_back", _("Legal representative ID (back)")
        SETTLEMENT_PROOF = "settlement_proof", _("Settlement account proof")
        PREMISES_PHOTO = "premises_photo", _("Premises photo")
        OTHER = "other", _("Other")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        REVISION_REQUESTED = "revision_requested", _("Revision requested")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("document type"), max_length=20, choices=Kind.choices)
    stored_name = models.CharField(max_length=200, unique=True)  # random, under MEDIA_ROOT/kyc/
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING)
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    expiry_reminded_on = models.DateField(null=True, blank=True)
    superseded = models.BooleanField(default=False)

    TENANT_FIELD = "merchant_id"

    class Meta:
        ordering = ["merchant_id", "kind", "-uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(decision__in=["pending", "accepted", "rejected", "revision_requested"]),
                                   name="document_decision_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.original_name}"


class BlacklistEntry(models.Model):
    class Source(models.TextChoices):
        INTERNAL = "internal", _("Internal risk decision")
        UNIONPAY = "unionpay", _("UnionPay risk information sharing")
        REGULATOR = "regulator", _("Regulator / law enforcement")
        OTHER = "other", _("Other")

    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    person_id_hash = models.CharField(max_length=64, blank=True, db_index=True)
    person_id_masked = models.CharField(_("person ID"), max_length=18, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    reason = models.TextField(_("reason"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.INTERNAL)
    created_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(default=True)
    removed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(uscc="") | ~Q(person_id_hash=""), name="blacklist_has_identifier"),
        ]
        indexes = [models.Index(fields=["created_at", "id"], name="blacklist_created_id_idx")]  # the list's order

    def __str__(self) -> str:
        return self.name or self.uscc or self.person_id_masked


class Contract(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OFFERED = "offered", _("Offered to the merchant")
        ACCEPTED = "accepted", _("Accepted by the merchant")
        ACTIVE = "active", _("Countersigned (in force)")
        SUPERSEDED = "superseded", _("Superseded by an amendment")
        TERMINATED = "terminated", _("Terminated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Cycle(models.TextChoices):
        T1 = "T+1", _("T+1")
        D0 = "D+0", _("D+0")

    class Method(models.TextChoices):
        AUTO = "auto", _("Automatic transfer to the settlement account")
        MANUAL = "manual", _("Manual withdrawal by the merchant")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="contracts")
    version = models.PositiveIntegerField()
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    status_changed_at = models.DateTimeField(default=timezone.now)
    currency = models.CharField(max_length=3, default="CNY")
    deposit = models.DecimalField(_("terminal deposit"), **MONEY, default=Decimal("0.00"),
                                  validators=[MinValueValidator(Decimal("0"))])
    monthly_rent = models.DecimalField(_("monthly terminal rent"), **MONEY, default=Decimal("0.00"),
                                       validators=[MinValueValidator(Decimal("0"))])
    settlement_cycle = models.CharField(_("settlement cycle"), max_length=3, choices=Cycle.choices, default=Cycle.T1)
    settlement_method = models.CharField(_("settlement method"), max_length=8, choices=Method.choices,
                                         default=Method.AUTO)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    text = models.TextField(blank=True)  # the exact text offered (rendered from the template)
    text_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_ip = models.GenericIPAddressField(null=True, blank=True)
    accepted_sha256 = models.CharField(max_length=64, blank=True)
    countersigned_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    countersigned_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)
    termination_reason = models.TextField(blank=True)
    renewal_reminded_on = models.DateField(null=True, blank=True)

    TENANT_FIELD = "merchant_id"

    class Meta:
        ordering = ["merchant_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "version"], name="contract_version_unique"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="contract_dates_valid"),
            models.CheckConstraint(condition=Q(status__in=CONTRACT_STATUSES), name="contract_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} v{self.version}"

    @property
    def status_label(self) -> str:
        """The status as people read it: a countersigned contract whose term has not begun is "signed — starts
        on …", not "in force"."""
        from django.utils.formats import date_format

        if self.status == self.Status.ACTIVE and self.start_date > timezone.localdate():
            return _("Signed — starts on %(date)s") % {"date": date_format(self.start_date, "Y-m-d")}
        if self.status == self.Status.ACTIVE and self.end_date < timezone.localdate():
            return _("Signed — ended on %(date)s") % {"date": date_format(self.end_date, "Y-m-d")}
        return self.get_status_display()

    @property
    def is_in_term(self) -> bool:
        return self.start_date <= timezone.localdate() <= self.end_date


class ContractFee(models.Model):
    class Channel(models.TextChoices):
        DEBIT = "debit", _("Debit card")
        CREDIT = "credit", _("Credit card")
        UNIONPAY_QR = "unionpay_qr", _("UnionPay QR")
        CONTACTLESS = "contactless", _("Contactless / NFC")
        OTHER_QR = "other_qr", _("Other QR")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="fees")
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    rate_percent = models.DecimalField(_("discount rate (%)"), max_digits=6, decimal_places=4,
                                       validators=[MinValueValidator(Decimal("0"))])
    cap = models.DecimalField(_("cap per transaction"), **MONEY, null=True, blank=True,
                              validators=[MinValueValidator(Decimal("0"))])

    TENANT_FIELD = "contract__merchant_id"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "channel"], name="contract_fee_channel_unique"),
            models.CheckConstraint(condition=Q(rate_percent__lt=10), name="contract_fee_rate_sane"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.rate_percent}%"


class SettlementAccount(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for verification")
        VERIFIED = "verified", _("Verified, waiting for second approval")
        ACTIVE = "active", _("In use")
        REJECTED = "rejected", _("Rejected")
        REPLACED = "replaced", _("Replaced")

    class Kind(models.TextChoices):
        CORPORATE = "corporate", _("Corporate account")
        PERSONAL = "personal", _("Personal account")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="settlement_accounts")
    kind = models.CharField(_("account type"), max_length=10, choices=Kind.choices)
    account_name = models.CharField(_("account name"), max_length=200)
    bank_name = models.CharField(_("bank"), max_length=100)
    branch_name = models.CharField(_("branch"), max_length=200, blank=True)
    account_number = EncryptedTextField(_("account number"))
    account_number_hash = models.CharField(max_length=64, db_index=True)
    account_number_masked = models.CharField(max_length=32)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    status_changed_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    verified_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    TENANT_FIELD = "merchant_id"

    class Meta:
        ordering = ["merchant_id", "-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["merchant"], condition=Q(status="active"),
                                    name="one_active_settlement_account"),
            models.CheckConstraint(condition=Q(status__in=SETTLEMENT_STATUSES), name="settlement_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number_masked}"


class Inspection(models.Model):
    class Outcome(models.TextChoices):
        PASSED = "passed", _("Passed")
        ISSUES = "issues", _("Passed with findings to rectify")
        FAILED = "failed", _("Failed")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="inspections")
    performed_on = models.DateField(_("inspection date"))
    inspector = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    checklist = models.JSONField(_("checklist"), default=dict)
    findings = models.TextField(_("findings"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    created_at = models.DateTimeField(default=timezone.now)

    TENANT_FIELD = "merchant_id"

    class Meta:
        ordering = ["merchant_id", "-performed_on"]

    def __str__(self) -> str:
        return f"{self.merchant} {self.performed_on}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    stored_name = models.CharField(max_length=200, unique=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    TENANT_FIELD = "inspection__merchant_id"

    def __str__(self) -> str:
        return self.original_name
