"""Verify an unpacked export bundle: ``python manage.py verify_export DIR [--public-key FILE]``.

Checks the Ed25519 signature of ``DIR/manifest.json`` (``DIR/manifest.sig``, 64 raw bytes) with the configured
export key, or the PEM public key given, then each listed file's size and SHA-256. Prints OK / ALTERED / MISSING
per file and a final line; exits 0 only when everything matches (``acquirer.manifests.verify_directory``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from acquirer import manifests, signing


class Command(BaseCommand):
    help = "Check that an export (manifest.json, manifest.sig and its files in DIR) was not altered."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="the unpacked bundle: manifest.json, manifest.sig and the files")
        parser.add_argument("--public-key", dest="public_key", default="",
                            help="a PEM public key file (default: the key this installation signs with)")

    def handle(self, *args, directory, public_key="", **options):
        key = None
        if public_key:
            try:
                key = signing.load_public_pem(Path(public_key).read_bytes())
            except (OSError, ValueError) as error:
                raise CommandError(f"cannot read the public key {public_key}: {error}") from error
        result = manifests.verify_directory(directory, key)
        if result.problem:
            raise CommandError(result.problem)
        self.stdout.write(f"{manifests.MANIFEST}: signature OK")
        for check in result.files:
            line = f"{check.status:8} {check.name}" + (f"  ({check.message})" if check.message else "")
            self.stdout.write(line if check.status == "OK" else self.style.ERROR(line))
        if not result.files:
            raise CommandError("the manifest lists no file")
        bad = [check.message for check in result.files if check.status != "OK"]
        if bad:
            raise CommandError("; ".join(bad))
        self.stdout.write(self.style.SUCCESS(f"export verified: the signature and all {len(result.files)} "
                                             f"file(s) match"))
