"""Exports as jobs: asked for in a request, written by a Celery task, downloaded from "My downloads".

Asking (:func:`export_request`) checks the exporter's rule, stores an :class:`~acquirer.models.Export`, records
the exporter's audit action and queues the task through the outbox in the same transaction (so a broker that is
down delays the file, never the request). Writing (:func:`export_write`, the task's body) claims a queued export,
counts its rows (bounded), writes the file (PostgreSQL copies the CSV out, ``acquirer.exports``) with
``rows_written`` updated about every second through a connection of its own (the export's connection is busy
with the copy), and ends ``done`` or ``failed`` with a readable error; a failed export asked again
(:func:`export_rerun`) starts over from the first row into a new file. Downloading (:func:`export_download`) goes
through ``acquirer.files.audited_download``.
"""

import base64
import io
import logging
import tempfile
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from acquirer import audit, exports, files, manifests, outbox, signing
from acquirer.batches import in_batches
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.files import StoredFileMissing, audited_download, delete_stored, open_stored, private_writer
from acquirer.models import Export
from acquirer.registry import Exporter, registry

log = logging.getLogger(__name__)
TASK = "acquirer.tasks.write_export"


def exporter_for(kind: str) -> Exporter:
    try:
        return registry().exporters[kind]
    except KeyError:
        raise DomainError(_("This export does not exist.")) from None


def _require(actor, exporter: Exporter) -> None:
    if not exporter.allowed(actor):
        raise NotPermitted(_("You are not allowed to export %(what)s.") % {"what": exporter.title})


def export_filters(*, exporter: Exporter, data) -> dict:
    """The exporter's filters from the request's fields; a search that cannot be understood is refused (it must
    never export the whole table as if it were unfiltered)."""
    filters = exporter.filters(data)
    if filters is None:
        raise DomainError(_("The search is not valid: correct it before exporting."))
    return filters


@transaction.atomic
def export_request(*, actor, kind: str, fmt: str, data) -> Export:
    """Ask for the export ``kind`` as ``fmt`` with the filters in ``data``; the file is written by a worker."""
    exporter = exporter_for(kind)
    _require(actor, exporter)
    if fmt not in exporter.formats:
        raise DomainError(_("This export is not available in that format."))
    filters = export_filters(exporter=exporter, data=data)
    export = Export.objects.create(owner=actor, kind=kind, filters=filters, format=fmt,
                                   language=translation.get_language() or "zh-hans")
    audit.record(exporter.audit_action, actor=actor, target=export, data={"filters": filters, "format": fmt})
    outbox.enqueue(TASK, {"export_id": export.pk})
    return export


@transaction.atomic
def export_rerun(*, actor, export: Export) -> Export:
    """Write a failed export again, from the first row, into a new file (the failed run left no file)."""
    export = Export.objects.select_for_update().get(pk=export.pk, owner=actor)
    exporter = exporter_for(export.kind)
    _require(actor, exporter)
    if export.status not in (Export.Status.FAILED, Export.Status.EXPIRED):
        raise DomainError(_("Only a failed or removed export can be written again."))
    export.status, export.rows_written, export.total, export.error = Export.Status.QUEUED, 0, None, ""
    export.started_at = export.finished_at = None
    export.save(update_fields=["status", "rows_written", "total", "error", "started_at", "finished_at"])
    audit.record(exporter.audit_action, actor=actor, target=export,
                 data={"filters": export.filters, "format": export.format})
    outbox.enqueue(TASK, {"export_id": export.pk})
    return export


def _claim(export_id: int) -> Export | None:
    """Take a queued export (one short transaction); None when another delivery of the task has it or did it."""
    claimed = Export.objects.filter(pk=export_id, status=Export.Status.QUEUED).update(
        status=Export.Status.RUNNING, started_at=timezone.now(), rows_written=0, total=None, error="")
    return Export.objects.select_related("owner").get(pk=export_id) if claimed else None


def _readable(error: Exception) -> str:
    if isinstance(error, DomainError):
        return str(error)
    return _("The file could not be written: %(error)s") % {"error": f"{type(error).__name__}: {error}"}


@contextmanager
def _progress_reporter(export_id: int):
    """``progress(rows)`` for the writer: it sets ``rows_written`` through a second connection, each update
    committed at once, because the export's own connection is busy streaming the COPY while the rows are counted.
    The final count is written with the outcome, on the export's connection."""
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = side.ops.quote_name(Export._meta.db_table)

    def progress(rows: int) -> None:
        with side.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET rows_written = %s WHERE id = %s", [rows, export_id])

    try:
        yield progress
    finally:
        side.close()


def export_write(*, export_id: int) -> dict:
    """The task's body: write the export's file. Not one transaction: progress commits as the rows are written."""
    export = _claim(export_id)
    if export is None:
        return {"skipped": export_id}
    try:
        with translation.override(export.language):
            exporter = exporter_for(export.kind)
            _require(export.owner, exporter)  # a right withdrawn since the request ends the export here
            total = exports.total_rows(exporter, export.owner, export.filters)
            Export.objects.filter(pk=export.pk).update(total=total)

            signing.private_key()  # no signing key, no file: fail before writing anything
            with _progress_reporter(export.pk) as progress:
                if exporter.write is not None:
                    stored_name, written, manifest = _write_bundle(export, exporter, progress)
                else:
                    digest: dict = {}
                    stored_name, written = exports.write_stored(exporter=exporter, actor=export.owner,
                                                                filters=export.filters, fmt=export.format,
                                                                progress=progress, digest=digest)
                    name = exports.filename(exporter, export.format, export.created_at)
                    manifest = manifests.build(export=export, title=exporter.title, files=[
                        {"name": name, "bytes": digest["bytes"], "sha256": digest["sha256"], "rows": written}])
            signature = base64.b64encode(signing.sign(manifest)).decode()
    except Exception as error:  # noqa: BLE001 - whatever stopped it, the person reads why on "My downloads"
        log.exception("export %s failed", export_id)
        with translation.override(export.language):
            message = _readable(error)
        Export.objects.filter(pk=export.pk).update(status=Export.Status.FAILED, error=message[:2000],
                                                   finished_at=timezone.now())
        return {"failed": export_id}
    Export.objects.filter(pk=export.pk).update(status=Export.Status.DONE, stored_name=stored_name,
                                               rows_written=written, finished_at=timezone.now(),
                                               manifest=manifest.decode("utf-8"), signature=signature)
    return {"written": export_id}


def _write_bundle(export: Export, exporter: Exporter, progress) -> tuple[str, int, bytes]:
    """An exporter that writes its own files (``Exporter.write``): they are stored as one ZIP with the signed
    manifest — the bundle its owner downloads. Returns the stored name, the rows and the manifest's bytes."""
    written_files = exporter.write(export.owner, export.filters, progress)
    entries = [manifests.file_entry(item.name, item.content, item.rows) for item in written_files]
    manifest = manifests.build(export=export, title=exporter.title, files=entries)
    signature = signing.sign(manifest)
    bundle = io.BytesIO()  # the files are in memory already; the ZIP needs a seekable target
    manifests.write_zip(bundle, [*((item.name, item.content) for item in written_files),
                                 (manifests.MANIFEST, manifest), (manifests.SIGNATURE, signature)])
    with private_writer(folder=exports.FOLDER, extension=".zip") as (stored_name, writer):
        writer.write(bundle.getvalue())
    return stored_name, sum(item.rows for item in written_files), manifest


def export_download(*, actor, export: Export):
    """The finished file of ``actor``'s own export (the view loaded it through the owner's scope), audited."""
    if export.status != Export.Status.DONE or not export.stored_name:
        raise DomainError(_("This file is not ready."))
    exporter = exporter_for(export.kind)
    _require(actor, exporter)  # a right withdrawn since the file was written withdraws the file too
    return audited_download(actor=actor, stored_name=export.stored_name,
                            filename=exports.filename(exporter, export.format, export.created_at),
                            content_type=exports.CONTENT_TYPES[export.format], action="export.downloaded",
                            target=export, data={"format": export.format, "rows": export.rows_written})


def _signed(actor, export: Export) -> Exporter:
    """The exporter of ``actor``'s finished, signed export (an export written before manifests has none)."""
    if export.status != Export.Status.DONE or not export.stored_name or not export.manifest:
        raise DomainError(_("This file is not ready."))
    exporter = exporter_for(export.kind)
    _require(actor, exporter)
    return exporter


def _audited_bytes(*, actor, export: Export, content: bytes, filename: str, content_type: str, part: str):
    with transaction.atomic():
        audit.record("export.downloaded", actor=actor, target=export,
                     data={"format": export.format, "rows": export.rows_written, "file": part})
    return files.attachment(io.BytesIO(content), filename=filename, content_type=content_type)


def export_manifest_download(*, actor, export: Export):
    """``manifest.json`` of ``actor``'s export: its exact signed bytes, audited like the file."""
    _signed(actor, export)
    return _audited_bytes(actor=actor, export=export, content=export.manifest.encode("utf-8"),
                          filename=manifests.MANIFEST, content_type="application/json", part=manifests.MANIFEST)


def export_signature_download(*, actor, export: Export):
    """``manifest.sig``: the raw 64-byte Ed25519 signature of ``manifest.json``, audited like the file."""
    _signed(actor, export)
    return _audited_bytes(actor=actor, export=export, content=base64.b64decode(export.signature),
                          filename=manifests.SIGNATURE, content_type="application/octet-stream",
                          part=manifests.SIGNATURE)


def export_bundle_download(*, actor, export: Export):
    """One ZIP with the file(s) under the names the manifest lists, ``manifest.json`` and ``manifest.sig``: what
    ``verify_export`` checks once unpacked. A multi-file export is stored as that bundle already; a single file
    is packed now (through a temporary file: memory stays flat), audited like the file."""
    exporter = _signed(actor, export)
    name = f"{exports.filename(exporter, export.format, export.created_at).rsplit('.', 1)[0]}-signed.zip"
    if export.format == Export.Format.ZIP:
        return audited_download(actor=actor, stored_name=export.stored_name, filename=name,
                                content_type="application/zip", action="export.downloaded", target=export,
                                data={"format": export.format, "rows": export.rows_written, "file": "bundle"})
    (listed,) = manifests.parse(export.manifest)["files"]
    try:
        source = open_stored(export.stored_name)
    except FileNotFoundError as error:
        raise StoredFileMissing(_("The file is missing from storage.")) from error
    bundle = tempfile.TemporaryFile()
    try:
        with source:
            manifests.write_zip(bundle, [(listed["name"], source), (manifests.MANIFEST, export.manifest.encode()),
                                         (manifests.SIGNATURE, base64.b64decode(export.signature))])
        bundle.seek(0)
        with transaction.atomic():
            audit.record("export.downloaded", actor=actor, target=export,
                         data={"format": export.format, "rows": export.rows_written, "file": "bundle"})
    except BaseException:
        bundle.close()
        raise
    return files.attachment(bundle, filename=name, content_type="application/zip")


# Beyond the task's hard time limit (55 minutes): an export still "being written" after this lost its worker.
ABANDONED_AFTER = timedelta(hours=1)


def exports_fail_abandoned(*, now=None) -> dict:
    """The scheduled job: an export whose worker died mid-run (killed, machine restarted) would stay "being
    written" for good. One still running an hour after it started is marked failed, with a message in its
    owner's language saying to run it again (which starts it over from the first row), and audited."""
    now = now or timezone.now()
    abandoned = Export.objects.filter(status=Export.Status.RUNNING, started_at__lt=now - ABANDONED_AFTER)
    failed = 0
    for batch in in_batches(abandoned):
        with transaction.atomic():
            locked = list(Export.objects.select_for_update().filter(
                pk__in=[export.pk for export in batch], status=Export.Status.RUNNING))
            for export in locked:
                with translation.override(export.language):
                    export.error = _("The worker stopped before the file was finished. Run it again.")
                export.status, export.finished_at = Export.Status.FAILED, now
            Export.objects.bulk_update(locked, ["status", "error", "finished_at"])
            audit.record_many([{"action": "export.abandoned", "target": export, "merchant_id": None,
                                "before": {"status": Export.Status.RUNNING},
                                "after": {"status": Export.Status.FAILED},
                                "data": {"rows_written": export.rows_written}} for export in locked])
            failed += len(locked)
    return {"failed": failed}


def keep_days() -> int:
    return settings.ACQUIRER_EXPORT_KEEP_DAYS


def _delete_files(names: list[str]) -> None:
    for name in names:
        delete_stored(name)


def exports_remove_expired(*, now=None) -> dict:
    """The scheduled job: a finished export's file is kept ``ACQUIRER_EXPORT_KEEP_DAYS`` days, then removed from
    storage (copies of merchant data must not pile up on the server); the row stays, marked removed, so its owner
    sees what it was and can write it again. In batches, each committed with its audit events; the file is
    deleted after the commit, so a crash leaves at worst an orphan file, never a row pointing at nothing."""
    now = now or timezone.now()
    expired = Export.objects.filter(status=Export.Status.DONE, finished_at__lt=now - timedelta(days=keep_days()))
    removed = 0
    for batch in in_batches(expired):
        with transaction.atomic():
            locked = list(Export.objects.select_for_update().filter(
                pk__in=[export.pk for export in batch], status=Export.Status.DONE))
            names = [export.stored_name for export in locked if export.stored_name]
            for export in locked:
                export.status, export.stored_name = Export.Status.EXPIRED, ""
            Export.objects.bulk_update(locked, ["status", "stored_name"])
            audit.record_many([{"action": "export.expired", "target": export, "merchant_id": None,
                                "before": {"status": Export.Status.DONE},
                                "after": {"status": Export.Status.EXPIRED},
                                "data": {"days": keep_days()}} for export in locked])
            transaction.on_commit(lambda names=names: _delete_files(names))
            removed += len(locked)
    return {"removed": removed}
