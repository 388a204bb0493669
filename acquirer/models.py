"""Core data: users, password history, login lockouts, the audit trail, job runs, notifications,
and sessions that know their user (so disabling a user can end them all)."""

from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Kind(models.TextChoices):
        STAFF = "staff", _("Operations staff")
        MERCHANT = "merchant", _("Merchant")
        AUDITOR = "auditor", _("Auditor")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.STAFF)
    language = models.CharField(_("language"), max_length=10, default="zh-hans",
                                choices=[("zh-hans", "简体中文"), ("en", "English")])
    disabled_reason = models.CharField(_("reason disabled"), max_length=200, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)

    # A merchant user sees the users of its own merchant.
    TENANT_FIELD = "merchant_membership__merchant_id"

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("manage_users", "Can disable, enable and unlock users")]
        indexes = [models.Index(fields=["kind", "username"], name="user_kind_username_idx")]  # the user list
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["staff", "merchant", "auditor"]), name="user_kind_valid"),
        ]

    @property
    def merchant_id(self) -> int | None:
        """The merchant a merchant user belongs to (the link lives in ``merchants``)."""
        if self.kind != self.Kind.MERCHANT:
            return None
        membership = getattr(self, "merchant_membership", None)
        return membership.merchant_id if membership else None

    @property
    def role_label(self) -> str:
        if self.kind == self.Kind.STAFF:
            names = sorted(g.name for g in self.groups.all())
            if self.is_superuser:
                names.insert(0, "superuser")
            return ",".join(names) or "staff"
        if self.kind == self.Kind.MERCHANT:
            membership = getattr(self, "merchant_membership", None)
            return f"merchant_{membership.role}" if membership else "merchant"
        return self.kind


class PasswordHistory(models.Model):
    """Hashes of a user's previous passwords, so that the last few cannot be reused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"password of {self.user_id} set {self.created_at:%Y-%m-%d}"


class LoginLockout(models.Model):
    """Failed-login state per login name, kept whether or not that name exists (no enumeration)."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.username

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


class AuditEvent(models.Model):
    """Append-only: PostgreSQL refuses UPDATE, DELETE and TRUNCATE (triggers); each row's keyed hash
    (HMAC, key id in ``key_id``) covers its content and the previous row's hash (``acquirer/audit.py``)."""

    at = models.DateTimeField()  # indexed with the id: (at, id) below
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=200, blank=True)
    merchant_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=80)  # indexed for equality and prefixes below
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    source = models.CharField(max_length=100, blank=True)
    prev_hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)  # unique: the constraint below

    # Merchants see the events about their own merchant.
    TENANT_FIELD = "merchant_id"

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            # date ranges, and the trail between two dates read in time order page by page (a keyset on (at, id))
            models.Index(fields=["at", "id"], name="auditevent_at_id"),
            # one index per purpose, each paid on every event written: an action by equality or prefix (a
            # pattern-ops index serves both; Django's db_index made a second, plain one), the hash unique without
            # the prefix index Django adds to a unique text field (nobody searches hashes by prefix)
            models.Index(fields=["action"], name="auditevent_action", opclasses=["varchar_pattern_ops"]),
            # events that name a terminal in their data (the terminal page's timeline)
            models.Index(KeyTransform("terminal", "data"), name="auditevent_data_terminal_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["hash"], name="auditevent_hash_unique")]
        permissions = [("export_auditevent", "Can export the audit trail")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_repr}"


class JobRun(models.Model):
    class Outcome(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    job = models.CharField(max_length=80, db_index=True)
    status = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    status_changed_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    triggered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "-started_at"])]
        permissions = [("run_job", "Can run a scheduled job now")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["running", "succeeded", "failed"]),
                                   name="jobrun_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None


class Notification(models.Model):
    class Email(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        NONE = "none", _("Not e-mailed")

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=10, choices=Email.choices, default=Email.PENDING)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    # Everyone, whatever their role, sees only their own notifications.
    OWNER_FIELD = "recipient"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"]),
                   models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list_idx")]

    def __str__(self) -> str:
        return self.title


class Session(AbstractBaseSession):
    """Django's database session plus the user it belongs to."""

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    @classmethod
    def get_session_store_class(cls):
        from acquirer.sessions import SessionStore

        return SessionStore


class Backup(models.Model):
    """One backup archive: database dump + uploaded files, encrypted, with its manifest."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed (not yet verified)")
        VERIFIED = "verified", _("Verified by a test restore")
        VERIFICATION_FAILED = "verification_failed", _("Verification failed")
        FAILED = "failed", _("Failed")
        PRUNED = "pruned", _("Pruned")

    GOOD = (Status.COMPLETED, Status.VERIFIED)

    name = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.RUNNING)
    status_changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    key_id = models.CharField(max_length=64, blank=True)
    manifest = models.JSONField(default=dict, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verification = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("run_backup", "Can start a backup or a verification now")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["running", "completed", "verified", "verification_failed", "failed",
                                        "pruned"]),
                name="backup_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def table_count(self) -> int:
        return len(self.manifest.get("database", {}).get("row_counts", {}))

    @property
    def total_rows(self) -> int:
        return sum(self.manifest.get("database", {}).get("row_counts", {}).values())


class OutboxMessage(models.Model):
    """A Celery task to send once the transaction that wrote it has committed (``acquirer/outbox.py``).

    Written in the caller's transaction, so work is queued if and only if the change that asked for it
    committed; sent right after the commit, or later by the ``outbox.relay`` job while the broker is down.
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["available_at", "id"], condition=Q(sent_at__isnull=True),
                         name="outbox_pending_idx"),
            models.Index(fields=["task_name"], condition=Q(sent_at__isnull=True), name="outbox_pending_task_idx"),
            models.Index(fields=["sent_at"], condition=Q(sent_at__isnull=False), name="outbox_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk} {'sent' if self.sent_at else 'pending'}"


class WorkingDayOverride(models.Model):
    """One day an operations manager declared a public holiday or a make-up working day (调休).

    Overrides win over the ``chinese-calendar`` package (``acquirer/calendar.py``); for a year the package does
    not know, the overrides of that year are the whole list of holidays and make-up days.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        WORKING_DAY = "working_day", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date"]
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")
        permissions = [("manage_calendar", "Can add and remove public holidays and make-up working days")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["holiday", "working_day"]),
                                   name="workingdayoverride_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name} ({self.get_kind_display()})"


class DailyCounter(models.Model):
    """The last number handed out per sequence and day (``acquirer.counters``): numbering takes the next one
    with one upsert instead of re-reading the day's numbers."""

    name = models.CharField(max_length=50)
    day = models.DateField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily counter")
        verbose_name_plural = _("daily counters")
        constraints = [models.UniqueConstraint(fields=["name", "day"], name="dailycounter_one_per_name_and_day")]

    def __str__(self) -> str:
        return f"{self.name} {self.day:%Y-%m-%d} {self.value}"


class Export(models.Model):
    """A file one person asked to take away (an exporter of ``acquirer.registry``), written by a Celery task in
    chunks into private, encrypted storage (``acquirer.files``) and downloaded from "My downloads"."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Removed after the keeping period")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        ZIP = "zip", "ZIP"  # an exporter that writes several files (``Exporter.write``): the signed bundle

    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="exports")
    kind = models.CharField(max_length=60)
    filters = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    format = models.CharField(max_length=4, choices=Format.choices, default=Format.CSV)
    language = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_written = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    stored_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The signed manifest (``acquirer.manifests``): its exact canonical JSON text and the Ed25519 signature of
    # its UTF-8 bytes in base64. Empty for an export written before manifests existed (it still downloads).
    manifest = models.TextField(blank=True)
    signature = models.CharField(max_length=100, blank=True)

    # Everyone, auditors included, sees only the exports they asked for.
    OWNER_FIELD = "owner"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at", "-id"], name="export_owner_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["queued", "running", "done", "failed", "expired"]),
                                   name="export_status_valid"),
            models.CheckConstraint(condition=Q(format__in=["csv", "xlsx", "zip"]), name="export_format_valid"),
        ]

    def __str__(self) -> str:
        from acquirer.registry import registry

        exporter = registry().exporters.get(self.kind)
        return f"{exporter.title if exporter else self.kind} #{self.pk}"
