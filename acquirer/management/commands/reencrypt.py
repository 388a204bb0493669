"""Re-encrypt every encrypted field value that is not under the current key (after a key rotation).

Rotation: put the new key first in ``ACQUIRER_FIELD_KEYS`` (keep the old ones after it), run this
command, then drop the old keys. Every model with an ``EncryptedTextField`` is found through the app
registry. Rows are locked (``select_for_update``) and rewritten in batches, one transaction per batch;
a value that cannot be decrypted stops the command and names the model, row and field. Running it
again changes nothing. One audit event ``secrets.reencrypted`` records the counts.

Stored files (uploads) are rewritten too: every file named by a ``stored_name`` column of an installed
model (KYC documents, inspection and terminal photos) that is plaintext (stored before files were
encrypted) or sealed under an older key is sealed under the current key, file by file (written beside
the old one, then renamed over it). A file that fails authentication stops the command and names the
model, row and file; a missing file is counted and reported, not fatal.
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast

from acquirer import audit, secrets
from acquirer.fields import EncryptedTextField


def encrypted_fields() -> list[tuple[type, list[str]]]:
    """(model, names of its encrypted fields) for every installed model that has some."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return sorted(found, key=lambda item: item[0]._meta.label)


def stored_file_fields() -> list[tuple[type, str]]:
    """(model, field name) for every installed model with a ``stored_name`` column (a stored upload)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        if any(f.name == "stored_name" for f in model._meta.concrete_fields):
            found.append((model, "stored_name"))
    return sorted(found, key=lambda item: item[0]._meta.label)


def _raw(name: str) -> str:
    return f"_raw_{name}"


def stale_rows(model, names: list[str], current: str):
    """Rows with at least one value not under the current key; the stored tokens are read as
    ``_raw_<field>`` (cast to plain text, so nothing is decrypted by the query)."""
    prefix = f"{secrets.PREFIX}:{current}:"
    qs = model._default_manager.annotate(**{_raw(n): Cast(F(n), output_field=TextField()) for n in names})
    condition = Q(pk__in=[])
    for name in names:
        condition |= ~Q(**{f"{_raw(name)}__startswith": prefix}) & ~Q(**{_raw(name): ""}) & Q(
            **{f"{_raw(name)}__isnull": False})
    return qs.filter(condition)


class Command(BaseCommand):
    help = "Re-encrypt sensitive fields under the current (first) key of ACQUIRER_FIELD_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count the values to re-encrypt")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, dry_run=False, batch_size=500, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        current, _keys = secrets.field_keys()
        token = audit.set_origin(audit.Origin(source="command:reencrypt"))
        try:
            counts, files = self._run(current, dry_run, batch_size)
        finally:
            audit.reset_origin(token)
        verb = "to re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(self.style.SUCCESS(f"{sum(counts.values())} row(s) {verb} under key {current!r}"))
        self.stdout.write(self.style.SUCCESS(f"{sum(files.values())} stored file(s) {verb} under key {current!r}"))

    def _run(self, current: str, dry_run: bool, batch_size: int) -> tuple[dict[str, int], dict[str, int]]:
        counts: dict[str, int] = {}
        files: dict[str, int] = {}
        for model, names in encrypted_fields():
            label = model._meta.label_lower
            if dry_run:
                counts[label] = stale_rows(model, names, current).count()
                self.stdout.write(f"{label}: {counts[label]} row(s) to re-encrypt ({', '.join(names)})")
                continue
            counts[label] = 0
            try:
                for done in self._batches(model, names, current, batch_size):
                    counts[label] += done
            except secrets.SecretError as error:
                self._record("secrets.reencrypt_failed", current, counts, error=str(error))
                raise CommandError(f"{error} ({counts[label]} row(s) of {label} were re-encrypted before it)")
            self.stdout.write(f"{label}: {counts[label]} row(s) re-encrypted ({', '.join(names)})")
        for model, field in stored_file_fields():
            label = model._meta.label_lower
            try:
                files[label], missing = self._files(model, field, dry_run)
            except secrets.SecretError as error:
                self._record("secrets.reencrypt_failed", current, counts, error=str(error), files=files)
                raise CommandError(str(error)) from None
            verb = "to re-encrypt" if dry_run else "re-encrypted"
            gone = f"; {missing} missing from storage" if missing else ""
            self.stdout.write(f"{label}: {files[label]} stored file(s) {verb}{gone}")
        if not dry_run:
            self._record("secrets.reencrypted", current, counts, files=files)
        return counts, files

    def _files(self, model, field: str, dry_run: bool) -> tuple[int, int]:
        """(files re-encrypted or, with ``dry_run``, to re-encrypt; files missing) for one model."""
        root = Path(settings.MEDIA_ROOT).resolve()
        done = missing = 0
        for pk, stored_name in model._default_manager.order_by("pk").values_list("pk", field).iterator():
            path = (root / stored_name).resolve() if stored_name else root
            if path == root or not path.is_relative_to(root):
                raise secrets.SecretError(f"{model._meta.label} pk={pk} names a file outside the media root")
            if not path.is_file():
                missing += 1
                continue
            try:
                if dry_run:
                    done += secrets.file_needs_resealing(path)
                else:
                    done += secrets.reseal_file(path)
            except secrets.SecretError as error:
                raise secrets.SecretError(
                    f"{model._meta.label} pk={pk} file {stored_name!r} cannot be decrypted: {error}; "
                    f"it was left as it is") from None
        return done, missing

    def _batches(self, model, names: list[str], current: str, batch_size: int):
        """Re-encrypt batch after batch (one transaction each); yields the rows done per batch."""
        last_pk = None
        while True:
            with transaction.atomic():
                qs = stale_rows(model, names, current).select_for_update().order_by("pk")
                if last_pk is not None:
                    qs = qs.filter(pk__gt=last_pk)
                rows = list(qs.values_list("pk", *[_raw(n) for n in names])[:batch_size])
                if not rows:
                    return
                for pk, *tokens in rows:
                    changes = {}
                    for name, stored in zip(names, tokens, strict=True):
                        if not stored or secrets.key_id_of(stored) == current:
                            continue
                        try:
                            changes[name] = secrets.decrypt(stored)
                        except secrets.SecretError as error:
                            raise secrets.SecretError(
                                f"{model._meta.label} pk={pk} field {name!r} cannot be decrypted: {error}; "
                                f"its batch was rolled back") from None
                    # update() encrypts through the field under the current key; no save(), no side effects.
                    model._default_manager.filter(pk=pk).update(**changes)
                    last_pk = pk
            yield len(rows)

    def _record(self, action: str, current: str, counts: dict[str, int], error: str = "",
                files: dict[str, int] | None = None) -> None:
        data = {"key": current, "counts": dict(counts), "files": dict(files or {})}
        if error:
            data["error"] = error
        with transaction.atomic():
            audit.record(action, actor_label="manage.py reencrypt", data=data)
