"""POS terminals: catalog, devices and their lifecycle records, field work orders, maintenance tickets,
firmware campaigns, deposits and rent, health flags. See docs/terminals.md for the model and the moves.

Money is Decimal with a currency; a terminal key is never stored (only its check value), the terminal
admin password only as a hash.
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

    def __str__(self) -> str:
        return f"{self.supplier} {self.delivery_note or self.file_name}"


class SiteSurvey(models.Model):
    class Network(models.TextChoices):
        CELLULAR = "4g", _("4G")
        WIFI = "wifi", _("Wi-Fi")
        ETHERNET = "ethernet", _("Ethernet")
        DIALUP = "dialup", _("Dial-up")
        NONE = "none", _("None available")

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="surveys")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    work_order = models.ForeignKey("WorkOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    surveyed_on = models.DateField(_("survey date"))
    engineer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    power_ok = models.BooleanField(_("power available"))
    network_type = models.CharField(_("network"), max_length=10, choices=Network.choices)
    signal_bars = models.PositiveSmallIntegerField(_("signal (0–5 bars)"), null=True, blank=True)
    counter_position = models.CharField(_("counter position"), max_length=200, blank=True)
    feasible = models.BooleanField(_("installation feasible"))
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("site survey")
        verbose_name_plural = _("site surveys")
        ordering = ["-surveyed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.terminal} survey {self.surveyed_on}"


class Shipment(models.Model):
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="shipments")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    carrier = models.CharField(_("carrier"), max_length=60)
    tracking_number = models.CharField(_("tracking number"), max_length=60)
    shipped_at = models.DateTimeField(_("shipped"), default=timezone.now)
    shipped_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    arrival_ok = models.BooleanField(_("arrived undamaged"), null=True)
    arrival_notes = models.TextField(_("arrival inspection"), blank=True)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-shipped_at", "-id"]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class Installation(models.Model):
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="installations")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    work_order = models.ForeignKey("WorkOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    engineer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    installed_on = models.DateField(_("installation date"))
    mid = models.CharField(_("merchant number (MID)"), max_length=15)
    tid = models.CharField(_("terminal ID (TID)"), max_length=8)
    settlement_method = models.CharField(_("settlement method"), max_length=8)
    comm_settings = models.JSONField(_("communication settings"), default=dict)
    swap_of = models.ForeignKey(Terminal, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("replaces terminal"))
    recorded_at = models.DateTimeField(default=timezone.now)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("installation")
        verbose_name_plural = _("installations")
        ordering = ["-installed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.terminal} installed {self.installed_on}"


class TerminalTest(models.Model):
    """Go-live test: sign-in, a test sale and its void, with the result."""

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="tests")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    tested_at = models.DateTimeField(_("tested"), default=timezone.now)
    tested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    sign_in_ok = models.BooleanField(_("sign-in succeeded"))
    sale_amount = models.DecimalField(_("test sale amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    sale_ok = models.BooleanField(_("test sale approved"))
    sale_reference = models.CharField(_("sale reference"), max_length=40, blank=True)
    void_ok = models.BooleanField(_("void succeeded"))
    passed = models.BooleanField(_("passed"))
    notes = models.TextField(_("notes"), blank=True)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("terminal test")
        verbose_name_plural = _("terminal tests")
        ordering = ["-tested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.terminal} test {self.tested_at:%Y-%m-%d}"


class ParameterChange(models.Model):
    """A change of an active terminal's parameters: requested, then approved (by someone else) or rejected."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="parameter_changes")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    status_changed_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("parameter change")
        verbose_name_plural = _("parameter changes")
        ordering = ["-requested_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(status__in=["pending", "approved", "rejected"]),
                                              name="parameter_change_status_valid")]

    def __str__(self) -> str:
        return f"{self.terminal} parameter change {self.pk}"


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
        permissions = [("dispatch_work_order", "Can create, assign and cancel field work orders")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "assigned", "in_progress", "done", "cancelled"]),
                                   name="work_order_status_valid"),
            models.CheckConstraint(condition=Q(window_start__isnull=True) | Q(window_end__isnull=True)
                                   | Q(window_end__gt=models.F("window_start")), name="work_order_window_order"),
        ]

    def __str__(self) -> str:
        return self.number


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


class FirmwareVersion(models.Model):
    model = models.ForeignKey(TerminalModel, on_delete=models.PROTECT, related_name="firmware_versions")
    version = models.CharField(_("version"), max_length=30)
    released_on = models.DateField(_("released on"))
    release_notes = models.TextField(_("release notes"), blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("firmware version")
        verbose_name_plural = _("firmware versions")
        ordering = ["model", "-released_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["model", "version"], name="firmware_version_unique")]

    def __str__(self) -> str:
        return f"{self.model} {self.version}"


class FirmwareCampaign(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=100)
    firmware = models.ForeignKey(FirmwareVersion, on_delete=models.PROTECT, related_name="campaigns")
    window_start = models.DateTimeField(_("window from"))
    window_end = models.DateTimeField(_("window until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    status_changed_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("firmware campaign")
        verbose_name_plural = _("firmware campaigns")
        ordering = ["-window_start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(window_end__gt=models.F("window_start")),
                                   name="firmware_campaign_window_order"),
            models.CheckConstraint(condition=Q(status__in=["planned", "running", "finished", "cancelled"]),
                                   name="firmware_campaign_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignTarget(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    campaign = models.ForeignKey(FirmwareCampaign, on_delete=models.PROTECT, related_name="targets")
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="campaign_targets")
    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("campaign terminal")
        verbose_name_plural = _("campaign terminals")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "terminal"], name="campaign_target_unique")]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.terminal}"


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


class HealthFlag(models.Model):
    """A terminal needing follow-up: silent for too long, or transacting far from where it was installed
    (an input to risk monitoring). One open flag per terminal and kind."""

    class Kind(models.TextChoices):
        STALE = "stale", _("No sign-in or transaction for too long")
        LOCATION = "location", _("Used far from its installation address")

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="health_flags")
    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    details = models.JSONField(default=dict, blank=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    cleared_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    clear_note = models.TextField(blank=True)

    TENANT_FIELD = "merchant_id"

    class Meta:
        verbose_name = _("terminal health flag")
        verbose_name_plural = _("terminal health flags")
        ordering = ["-raised_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["terminal", "kind"], condition=Q(cleared_at__isnull=True),
                                               name="health_flag_one_open_per_kind")]

    def __str__(self) -> str:
        return f"{self.terminal} {self.kind}"
