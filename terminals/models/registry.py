"""The catalog and the devices: terminal models, terminals, their evidence photos and the stock intake batches.

A terminal key is never stored (only its check value), the terminal admin password only as a hash.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from merchants.models import Merchant


class FormFactor(models.TextChoices):
    COUNTERTOP = "countertop", _("Countertop")
    MOBILE = "mobile", _("Mobile (portable)")
    SMART = "smart", _("Smart (Android)")
    MPOS = "mpos", _("mPOS")


class Communication(models.TextChoices):
    CELLULAR = "4g", _("4G")
    WIFI = "wifi", _("Wi-Fi")
    ETHERNET = "ethernet", _("Ethernet")
    DIALUP = "dialup", _("Dial-up")


class Capability(models.TextChoices):
    CHIP = "chip", _("Chip (EMV)")
    MAGSTRIPE = "magstripe", _("Magnetic stripe")
    CONTACTLESS = "contactless", _("Contactless / NFC")
    QR = "qr", _("QR code scanning")
    PRINTER = "printer", _("Receipt printer")


TERMINAL_STATUSES = ["in_stock", "allocated", "surveyed", "shipped", "delivered", "installed", "tested", "active",
                     "suspended", "under_repair", "retired"]


class TerminalModel(models.Model):
    """A terminal model of the catalog (brand + model name)."""

    brand = models.CharField(_("brand"), max_length=60)
    name = models.CharField(_("model"), max_length=60)
    form_factor = models.CharField(_("form factor"), max_length=12, choices=FormFactor.choices)
    communications = ArrayField(models.CharField(max_length=10, choices=Communication.choices),
                                verbose_name=_("communication"), default=list)
    capabilities = ArrayField(models.CharField(max_length=12, choices=Capability.choices),
                              verbose_name=_("capabilities"), default=list)
    min_firmware = models.CharField(_("minimum supported firmware"), max_length=30, blank=True)
    active = models.BooleanField(_("in the catalog"), default=True)

    class Meta:
        verbose_name = _("terminal model")
        verbose_name_plural = _("terminal models")
        ordering = ["brand", "name"]
        constraints = [models.UniqueConstraint(fields=["brand", "name"], name="terminal_model_unique")]

    def __str__(self) -> str:
        return f"{self.brand} {self.name}"


class Terminal(models.Model):
    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("In stock")
        ALLOCATED = "allocated", _("Allocated")
        SURVEYED = "surveyed", _("Site survey done")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        INSTALLED = "installed", _("Installed")
        TESTED = "tested", _("Tested")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        UNDER_REPAIR = "under_repair", _("Under repair")
        RETIRED = "retired", _("Retired / scrapped")

    class Custodian(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse")
        COURIER = "courier", _("Courier")
        ENGINEER = "engineer", _("Field engineer")
        MERCHANT = "merchant", _("Merchant")
        REPAIR = "repair", _("Repair bench")

    class Deposit(models.TextChoices):
        NONE = "none", _("No deposit")
        DUE = "due", _("Deposit due")
        HELD = "held", _("Deposit held")
        REFUNDED = "refunded", _("Deposit refunded")
        FORFEITED = "forfeited", _("Deposit forfeited")

    class SuspendReason(models.TextChoices):
        RISK = "risk", _("Risk")
        FAULT = "fault", _("Fault")
        MERCHANT_REQUEST = "merchant_request", _("Merchant request")
        UNPAID_RENT = "unpaid_rent", _("Unpaid rent")

    serial_number = models.CharField(_("serial number"), max_length=40, unique=True)
    model = models.ForeignKey(TerminalModel, on_delete=models.PROTECT, related_name="terminals",
                              verbose_name=_("model"))
    tid = models.CharField(_("terminal ID (TID)"), max_length=8, unique=True, null=True, blank=True)
    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="terminals",
                                 verbose_name=_("merchant"))
    install_address = models.CharField(_("installation address"), max_length=300, blank=True)
    install_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    install_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    region_code = models.CharField(_("region code"), max_length=4, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_STOCK)
    status_changed_at = models.DateTimeField(default=timezone.now)
    suspend_reason = models.CharField(_("suspension reason"), max_length=20, choices=SuspendReason.choices,
                                      blank=True)
    custodian = models.CharField(_("custodian"), max_length=10, choices=Custodian.choices,
                                 default=Custodian.WAREHOUSE)
    custodian_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("engineer holding it"))
    firmware_version = models.CharField(_("firmware version"), max_length=30, blank=True)
    # key management: the check value and injection date only, never a key
    key_check_value = models.CharField(_("key check value"), max_length=16, blank=True)
    key_injected_on = models.DateField(_("key injected on"), null=True, blank=True)
    # parameters set at installation (changed later only through an approved ParameterChange)
    mid = models.CharField(_("merchant number (MID)"), max_length=15, blank=True)
    settlement_method = models.CharField(_("settlement method"), max_length=8, blank=True)
    comm_settings = models.JSONField(_("communication settings"), default=dict, blank=True)
    admin_password_hash = models.CharField(max_length=200, blank=True)  # make_password(); never shown
    # money
    deposit_state = models.CharField(_("deposit"), max_length=10, choices=Deposit.choices, default=Deposit.NONE)
    rent_start = models.DateField(_("rent start date"), null=True, blank=True)
    # health
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)
    last_transaction_at = models.DateTimeField(_("last transaction"), null=True, blank=True)
    next_maintenance_due = models.DateField(_("next preventive maintenance"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    intake_batch = models.ForeignKey("IntakeBatch", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="terminals")

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("terminal")
        verbose_name_plural = _("terminals")
        ordering = ["serial_number"]
        indexes = [
            # identifiers are searched by their start (LIKE 'ABC%'), which only a pattern_ops index serves
            models.Index(fields=["serial_number"], name="terminal_serial_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["tid"], name="terminal_tid_prefix", opclasses=["varchar_pattern_ops"]),
            # the lists' keyset order (serial_number, id), whole, by status and per merchant (the portal)
            models.Index(fields=["serial_number", "id"], name="terminal_serial_id"),
            models.Index(fields=["status", "serial_number", "id"], name="terminal_status_serial"),
            models.Index(fields=["merchant", "serial_number", "id"], name="terminal_merchant_serial"),
        ]
        permissions = [
            ("manage_stock", "Can receive terminals into stock and manage the catalog"),
            ("allocate_terminal", "Can allocate terminals to merchants and ship them"),
            ("field_work", "Can record surveys, installations, tests and field work"),
            ("activate_terminal", "Can put a tested terminal live and suspend or reactivate it"),
            ("approve_parameter_change", "Can approve parameter changes of active terminals"),
            ("manage_firmware", "Can manage firmware versions and upgrade campaigns"),
            ("manage_terminal_money", "Can record deposits and manage rent charges"),
            ("retire_terminal", "Can send terminals to repair, return them to stock and retire them"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TERMINAL_STATUSES), name="terminal_status_valid"),
            # a terminal that left the warehouse for a merchant carries that merchant
            models.CheckConstraint(
                condition=Q(status__in=["in_stock", "under_repair", "retired"]) | Q(merchant__isnull=False),
                name="terminal_placed_has_merchant"),
            models.CheckConstraint(condition=Q(tid__isnull=True) | Q(tid__regex=r"^[0-9A-Z]{8}$"),
                                   name="terminal_tid_format"),
        ]

    def __str__(self) -> str:
        return self.serial_number


class TerminalPhoto(models.Model):
    """Evidence photo of a survey, installation, delivery inspection, work order or ticket (stored through
    ``acquirer.files`` under a random name, served only by an authorised view)."""

    terminal = models.ForeignKey(Terminal, null=True, blank=True, on_delete=models.PROTECT, related_name="photos")
    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    survey = models.ForeignKey("SiteSurvey", null=True, blank=True, on_delete=models.PROTECT, related_name="photos")
    installation = models.ForeignKey("Installation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="photos")
    shipment = models.ForeignKey("Shipment", null=True, blank=True, on_delete=models.PROTECT, related_name="photos")
    work_order = models.ForeignKey("WorkOrder", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="photos")
    ticket = models.ForeignKey("Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="photos")
    stored_name = models.CharField(max_length=200, unique=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("terminal photo")
        verbose_name_plural = _("terminal photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class IntakeBatch(models.Model):
    """One supplier delivery file received into stock (all rows or none)."""

    supplier = models.CharField(_("supplier"), max_length=100)
    delivery_note = models.CharField(_("delivery note"), max_length=60, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    received_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("intake batch")
        verbose_name_plural = _("intake batches")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["received_at", "id"], name="intake_batch_received")]

    def __str__(self) -> str:
        return f"{self.supplier} {self.delivery_note or self.file_name}"
