"""The records of a terminal's way to the merchant: site survey, shipment, installation, go-live test, and
the approved parameter changes of a live terminal."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import User
from merchants.models import Merchant
from terminals.models.registry import Terminal


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
