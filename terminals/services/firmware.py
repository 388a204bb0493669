"""Firmware versions per terminal model and upgrade campaigns: a set of terminals, a time window, one
outcome per terminal recorded by hand or imported from the terminal-management system's report (all
rows or none). Campaign moves follow ``CAMPAIGN_MOVES``; every change is audited."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, policy
from acquirer.exceptions import DomainError
from acquirer.models import User
from acquirer.workflow import advance
from terminals.models import CampaignTarget, FirmwareCampaign, FirmwareVersion, Terminal, TerminalModel
from terminals.roles import MANAGE_FIRMWARE
from terminals.selectors.firmware import CAMPAIGNABLE
from terminals.workflow import CAMPAIGN_MOVES

F = FirmwareCampaign.Status
OUT = CampaignTarget.Outcome
VERSION_FORMAT = re.compile(r"^\d{1,6}(\.\d{1,6}){0,5}$")
REPORT_COLUMNS = ("serial_number", "outcome", "detail")
RECORDABLE = {OUT.SUCCEEDED, OUT.FAILED}




def _lock(campaign: FirmwareCampaign) -> FirmwareCampaign:
    return (FirmwareCampaign.objects.select_for_update(of=("self",)).select_related("firmware__model")
            .get(pk=campaign.pk))


# --- versions ---------------------------------------------------------------------------------

@transaction.atomic
def firmware_version_add(*, actor: User, model: TerminalModel, version: str, released_on: date,
                         release_notes: str = "") -> FirmwareVersion:
    """Register a firmware version of a terminal model (digits and dots, unique per model)."""
    policy.require_permission(actor, MANAGE_FIRMWARE)
    version = (version or "").strip()
    if not VERSION_FORMAT.match(version):
        raise DomainError(_("“%(version)s” is not a firmware version: use digits separated by dots, e.g. 2.1.0.")
                          % {"version": version})
    if not isinstance(released_on, date):
        raise DomainError(_("Give the release date."))
    if released_on > timezone.localdate():
        raise DomainError(_("The release date cannot be in the future."))
    if FirmwareVersion.objects.filter(model=model, version=version).exists():
        raise DomainError(_("Version %(version)s of %(model)s is already registered.")
                          % {"version": version, "model": model})
    try:
        with transaction.atomic():
            firmware = FirmwareVersion.objects.create(model=model, version=version, released_on=released_on,
                                                      release_notes=(release_notes or "").strip(), created_by=actor)
    except IntegrityError:
        raise DomainError(_("Version %(version)s of %(model)s is already registered.")
                          % {"version": version, "model": model}) from None
    audit.record("firmware.added", actor=actor, target=firmware,
                 after={"model": str(model), "version": version, "released_on": released_on})
    return firmware


# --- campaigns --------------------------------------------------------------------------------

@transaction.atomic
def campaign_create(*, actor: User, name: str, firmware: FirmwareVersion, window_start: datetime,
                    window_end: datetime, terminals) -> FirmwareCampaign:
    """A planned campaign with one pending target per terminal (of the firmware's model, in stock or
    placed at a merchant, not retired); the terminal's merchant is copied onto the target."""
    policy.require_permission(actor, MANAGE_FIRMWARE)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the campaign a name."))
    if not (isinstance(window_start, datetime) and isinstance(window_end, datetime)):
        raise DomainError(_("Give the start and end of the upgrade window."))
    if window_end <= window_start:
        raise DomainError(_("The upgrade window must end after it starts."))
    ids = sorted({t.pk for t in terminals})
    if not ids:
        raise DomainError(_("Choose at least one terminal for the campaign."))
    locked = list(Terminal.objects.select_for_update(of=("self",)).select_related("model")
                  .filter(pk__in=ids).order_by("pk"))
    problems = []
    for terminal in locked:
        if terminal.model_id != firmware.model_id:
            problems.append(_("%(serial)s is a %(model)s, not a %(firmware_model)s.")
                            % {"serial": terminal.serial_number, "model": terminal.model,
                               "firmware_model": firmware.model})
        elif terminal.status not in CAMPAIGNABLE:
            problems.append(_("%(serial)s is %(status)s: only terminals in stock or placed at a merchant can be "
                              "upgraded.") % {"serial": terminal.serial_number,
                                              "status": terminal.get_status_display()})
    if len(locked) != len(ids):
        problems.append(_("Some of the chosen terminals no longer exist."))
    if problems:
        raise DomainError(" ".join(str(p) for p in problems))
    campaign = FirmwareCampaign.objects.create(name=name[:100], firmware=firmware, window_start=window_start,
                                               window_end=window_end, created_by=actor)
    CampaignTarget.objects.bulk_create([CampaignTarget(campaign=campaign, terminal=t, merchant_id=t.merchant_id)
                                        for t in locked])
    audit.record("campaign.created", actor=actor, target=campaign,
                 after={"name": campaign.name, "firmware": str(firmware), "window_start": window_start,
                        "window_end": window_end},
                 data={"terminals": [t.pk for t in locked], "count": len(locked)})
    return campaign


@transaction.atomic
def campaign_start(*, actor: User, campaign: FirmwareCampaign) -> FirmwareCampaign:
    policy.require_permission(actor, MANAGE_FIRMWARE)
    campaign = _lock(campaign)
    if campaign.status == F.PLANNED and campaign.window_end <= timezone.now():
        raise DomainError(_("The upgrade window of this campaign has already ended: plan a new campaign."))
    return advance(campaign, to=F.RUNNING, moves=CAMPAIGN_MOVES, actor=actor, action="campaign.started",
                   data={"firmware": str(campaign.firmware)})


@transaction.atomic
def campaign_finish(*, actor: User, campaign: FirmwareCampaign) -> FirmwareCampaign:
    """Close a running campaign; targets still pending stay pending (recorded in the event)."""
    policy.require_permission(actor, MANAGE_FIRMWARE)
    campaign = _lock(campaign)
    counts = {outcome: 0 for outcome in OUT.values}
    for outcome in campaign.targets.values_list("outcome", flat=True):
        counts[outcome] += 1
    return advance(campaign, to=F.FINISHED, moves=CAMPAIGN_MOVES, actor=actor, action="campaign.finished",
                   data={"outcomes": counts})


@transaction.atomic
def campaign_cancel(*, actor: User, campaign: FirmwareCampaign, reason: str = "") -> FirmwareCampaign:
    policy.require_permission(actor, MANAGE_FIRMWARE)
    campaign = _lock(campaign)
    return advance(campaign, to=F.CANCELLED, moves=CAMPAIGN_MOVES, actor=actor, action="campaign.cancelled",
                   data={"reason": (reason or "").strip()})


def _check_outcome(target: CampaignTarget, outcome: str) -> str | None:
    """Why this outcome cannot be recorded (None when it can)."""
    if outcome not in RECORDABLE:
        return _("“%(outcome)s” is not an outcome: use succeeded or failed.") % {"outcome": outcome}
    if target.outcome == OUT.SUCCEEDED and outcome != OUT.SUCCEEDED:
        return _("%(serial)s was already upgraded successfully.") % {"serial": target.terminal.serial_number}
    return None


def _apply_outcome(*, actor: User, campaign: FirmwareCampaign, target: CampaignTarget, outcome: str, detail: str,
                   source: str) -> bool:
    """Record one outcome (the caller locked the campaign and checked it). False when nothing changed."""
    detail = (detail or "").strip()[:300]
    if target.outcome == OUT.SUCCEEDED and outcome == OUT.SUCCEEDED:
        return False  # the management system reports it again: nothing new
    before = {"outcome": target.outcome, "detail": target.detail}
    target.outcome, target.detail = outcome, detail
    target.recorded_at, target.recorded_by = timezone.now(), actor
    target.save(update_fields=["outcome", "detail", "recorded_at", "recorded_by"])
    terminal = target.terminal
    audit.record("campaign.outcome_recorded", actor=actor, target=campaign, before=before,
                 after={"outcome": outcome, "detail": detail},
                 data={"terminal": terminal.pk, "serial_number": terminal.serial_number, "source": source})
    if outcome == OUT.SUCCEEDED:
        terminal = Terminal.objects.select_for_update(of=("self",)).get(pk=terminal.pk)
        old = terminal.firmware_version
        terminal.firmware_version = campaign.firmware.version
        terminal.save(update_fields=["firmware_version"])
        audit.record("terminal.firmware_updated", actor=actor, target=terminal, before={"firmware_version": old},
                     after={"firmware_version": terminal.firmware_version},
                     data={"campaign": campaign.pk, "campaign_name": campaign.name, "source": source})
    return True


@transaction.atomic
def campaign_record_outcome(*, actor: User, target: CampaignTarget, outcome: str, detail: str = "") -> CampaignTarget:
    """Record by hand how one terminal's upgrade went; a success sets the terminal's firmware version."""
    policy.require_permission(actor, MANAGE_FIRMWARE)
    campaign = _lock(target.campaign)
    if campaign.status != F.RUNNING:
        raise DomainError(_("Outcomes can only be recorded while the campaign is running (it is %(status)s).")
                          % {"status": campaign.get_status_display()})
    target = CampaignTarget.objects.select_for_update(of=("self",)).select_related("terminal").get(pk=target.pk)
    problem = _check_outcome(target, outcome)
    if problem:
        raise DomainError(problem)
    _apply_outcome(actor=actor, campaign=campaign, target=target, outcome=outcome, detail=detail, source="manual")
    return target


# --- report import ----------------------------------------------------------------------------

@dataclass
class ImportRow:
    line: int
    serial_number: str
    outcome: str
    detail: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """Every row of the file with its errors; ``saved`` only when no row had an error."""

    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    saved: bool = False
    changed: int = 0

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(row.errors for row in self.rows)

    @property
    def bad_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]


def _read_csv(uploaded_file) -> tuple[list[dict] | None, list[str]]:
    size = getattr(uploaded_file, "size", None) or 0
    if size <= 0:
        return None, [_("The file is empty.")]
    if size > settings.ACQUIRER_UPLOAD_MAX_BYTES:
        return None, [_("The file is too large.")]
    uploaded_file.seek(0)
    raw = uploaded_file.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None, [_("The file is not a UTF-8 or GB18030 text (CSV) file.")]
    if "\x00" in text:
        return None, [_("The file is not a text (CSV) file.")]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in REPORT_COLUMNS[:2] if column not in header]
    if missing:
        return None, [_("The file must have the columns serial_number, outcome and detail; missing: %(columns)s.")
                      % {"columns": ", ".join(missing)}]
    reader.fieldnames = header
    try:
        rows = [row for row in reader if any((value or "").strip() for value in row.values() if isinstance(value, str))]
    except csv.Error as error:
        return None, [_("The file is not valid CSV: %(error)s") % {"error": error}]
    if not rows:
        return None, [_("The file has no rows.")]
    return rows, []


@transaction.atomic
def campaign_import_report(*, actor: User, campaign: FirmwareCampaign, uploaded_file) -> ImportReport:
    """Apply the management system's report (CSV: serial_number, outcome, detail). Every row is checked
    (unknown serial, terminal not in this campaign, bad outcome, repeated row); one bad row saves nothing."""
    policy.require_permission(actor, MANAGE_FIRMWARE)
    campaign = _lock(campaign)
    report = ImportReport()
    if campaign.status != F.RUNNING:
        report.file_errors.append(_("Outcomes can only be imported while the campaign is running (it is "
                                    "%(status)s).") % {"status": campaign.get_status_display()})
        return report
    rows, report.file_errors = _read_csv(uploaded_file)
    if rows is None:
        return report
    serials = {(row.get("serial_number") or "").strip() for row in rows}
    known = set(Terminal.objects.filter(serial_number__in=serials).values_list("serial_number", flat=True))
    targets = {t.terminal.serial_number: t for t in CampaignTarget.objects.select_for_update(of=("self",))
               .select_related("terminal").filter(campaign=campaign, terminal__serial_number__in=serials)}
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        serial = (row.get("serial_number") or "").strip()
        outcome = (row.get("outcome") or "").strip().lower()
        item = ImportRow(line=number, serial_number=serial, outcome=outcome,
                         detail=(row.get("detail") or "").strip())
        report.rows.append(item)
        if not serial:
            item.errors.append(_("The serial number is missing."))
        elif serial not in known:
            item.errors.append(_("Unknown serial number %(serial)s.") % {"serial": serial})
        elif serial not in targets:
            item.errors.append(_("Terminal %(serial)s is not part of this campaign.") % {"serial": serial})
        if serial and serial in seen:
            item.errors.append(_("Terminal %(serial)s already appears on line %(line)s.")
                               % {"serial": serial, "line": seen[serial]})
        elif serial:
            seen[serial] = number
        if outcome not in RECORDABLE:
            item.errors.append(_("“%(outcome)s” is not an outcome: use succeeded or failed.") % {"outcome": outcome})
        elif serial in targets:
            problem = _check_outcome(targets[serial], outcome)
            if problem:
                item.errors.append(problem)
        if len(item.detail) > 300:
            item.errors.append(_("The detail is longer than 300 characters."))
    if not report.ok:
        return report
    for item in report.rows:
        if _apply_outcome(actor=actor, campaign=campaign, target=targets[item.serial_number], outcome=item.outcome,
                          detail=item.detail, source="import"):
            report.changed += 1
    audit.record("campaign.report_imported", actor=actor, target=campaign,
                 data={"file": getattr(uploaded_file, "name", "")[:200], "rows": len(report.rows),
                       "changed": report.changed})
    report.saved = True
    return report

