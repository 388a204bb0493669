"""Every export carries a signed manifest (Ed25519 over canonical JSON): "My downloads" offers manifest.json,
manifest.sig and a bundle (ZIP) with the file — each download audited; ``verify_export`` and ``openssl`` confirm
the bundle and name a clear failure when one byte changes; the auditor's help page shows the public key."""

import base64
import hashlib
import io
import json
import shutil
import subprocess
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from acquirer import manifests, signing
from acquirer.models import AuditEvent, Export
from acquirer.services.exports import export_request, export_write


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _written(owner) -> Export:
    export = export_request(actor=owner, kind="audit.trail", fmt="csv", data={})
    export_write(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    return export


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _unpacked(client, export, target):
    response = client.get(reverse("export-bundle", args=[export.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(_body(response))) as archive:
        archive.extractall(target)
    return target


@pytest.mark.django_db
def test_an_export_is_written_with_a_signed_manifest_of_what_who_when_and_each_files_sha256(users, clients, media):
    export = _written(users["auditor"])
    manifest = json.loads(export.manifest)
    assert signing.verify(export.manifest.encode(), base64.b64decode(export.signature))
    assert export.manifest.encode() == signing.canonical(manifest)  # the exact canonical bytes are stored
    assert manifest["export"]["kind"] == "audit.trail" and manifest["export"]["format"] == "csv"
    assert manifest["requested_by"] == {"id": users["auditor"].pk, "username": users["auditor"].username,
                                        "kind": "auditor"}
    assert manifest["generated_at"].endswith("+00:00") and manifest["signature"]["algorithm"] == "Ed25519"
    assert manifest["signature"]["public_key_sha256"] == signing.fingerprint()
    (listed,) = manifest["files"]
    downloaded = _body(clients["auditor"].get(reverse("export-download", args=[export.pk])))
    assert listed["bytes"] == len(downloaded) and listed["sha256"] == hashlib.sha256(downloaded).hexdigest()
    assert listed["rows"] == export.rows_written == manifest["rows"]


@pytest.mark.django_db
def test_my_downloads_offers_manifest_signature_and_bundle_each_audited_and_only_to_the_owner(users, clients, media):
    export = _written(users["auditor"])
    page = clients["auditor"].get(reverse("export-list")).content.decode()
    for name in ("export-manifest", "export-signature", "export-bundle"):
        assert reverse(name, args=[export.pk]) in page
    manifest = _body(clients["auditor"].get(reverse("export-manifest", args=[export.pk])))
    signature = _body(clients["auditor"].get(reverse("export-signature", args=[export.pk])))
    assert manifest == export.manifest.encode() and len(signature) == 64
    assert signing.verify(manifest, signature)
    with zipfile.ZipFile(io.BytesIO(_body(clients["auditor"].get(reverse("export-bundle", args=[export.pk]))))) as z:
        names = z.namelist()
    assert names == [json.loads(manifest)["files"][0]["name"], "manifest.json", "manifest.sig"]
    parts = sorted(event.data["file"] for event in AuditEvent.objects.filter(
        action="export.downloaded", actor=users["auditor"], target_id=str(export.pk)))
    assert parts == ["bundle", "manifest.json", "manifest.sig"]
    for name in ("export-manifest", "export-signature", "export-bundle"):
        assert clients["compliance_officer"].get(reverse(name, args=[export.pk])).status_code == 404


@pytest.mark.django_db
def test_an_export_written_before_manifests_still_downloads_without_manifest_links(users, clients, media):
    export = _written(users["auditor"])
    Export.objects.filter(pk=export.pk).update(manifest="", signature="")
    assert clients["auditor"].get(reverse("export-download", args=[export.pk])).status_code == 200
    assert clients["auditor"].get(reverse("export-manifest", args=[export.pk])).status_code == 404
    assert clients["auditor"].get(reverse("export-bundle", args=[export.pk])).status_code == 404
    assert reverse("export-manifest", args=[export.pk]) not in clients["auditor"].get(
        reverse("export-list")).content.decode()


def _flip(path, at=-5):
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.django_db
def test_verify_export_confirms_a_bundle_and_names_the_altered_file_or_manifest(users, clients, media, tmp_path,
                                                                                capsys):
    export = _written(users["auditor"])
    folder = _unpacked(clients["auditor"], export, tmp_path / "bundle")
    call_command("verify_export", str(folder))
    out = capsys.readouterr().out
    assert "signature OK" in out and "export verified" in out and "OK " in out

    (listed,) = json.loads((folder / "manifest.json").read_text())["files"]
    pristine = tmp_path / "pristine"
    shutil.copytree(folder, pristine)
    _flip(folder / listed["name"])
    with pytest.raises(CommandError, match=f"file {listed['name']}: SHA-256 differs: the file was altered"):
        call_command("verify_export", str(folder))
    assert "ALTERED" in capsys.readouterr().out

    (folder / listed["name"]).unlink()
    with pytest.raises(CommandError, match="missing"):
        call_command("verify_export", str(folder))

    shutil.rmtree(folder)
    shutil.copytree(pristine, folder)
    _flip(folder / "manifest.json", at=20)
    with pytest.raises(CommandError, match="manifest signature does not match: the manifest was altered or signed "
                                           "by another key"):
        call_command("verify_export", str(folder))


@pytest.mark.django_db
def test_verify_export_with_another_public_key_fails_and_with_the_published_one_passes(users, clients, media,
                                                                                       tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    export = _written(users["auditor"])
    folder = _unpacked(clients["auditor"], export, tmp_path / "bundle")
    published = tmp_path / "export-signing-public.pem"
    published.write_bytes(_body(clients["auditor"].get(reverse("audit:export-public-key"))))
    call_command("verify_export", str(folder), "--public-key", str(published))
    other = tmp_path / "other.pem"
    other.write_text(signing.public_pem(Ed25519PrivateKey.generate().public_key()))
    with pytest.raises(CommandError, match="manifest signature does not match"):
        call_command("verify_export", str(folder), "--public-key", str(other))


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_documented_openssl_and_sha256sum_commands_verify_a_real_bundle(users, clients, media, tmp_path):
    export = _written(users["auditor"])
    folder = _unpacked(clients["auditor"], export, tmp_path / "bundle")
    (folder / "export-signing-public.pem").write_bytes(
        _body(clients["auditor"].get(reverse("audit:export-public-key"))))
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "export-signing-public.pem", "-rawin",
               "-in", "manifest.json", "-sigfile", "manifest.sig"]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=30)
    if "rawin" in result.stderr and result.returncode != 0 and "unknown option" in result.stderr.lower():
        pytest.skip("this openssl has no -rawin (OpenSSL 3 needed)")
    assert result.returncode == 0 and "Signature Verified Successfully" in result.stdout, result.stderr
    if shutil.which("sha256sum"):
        listing = "".join(f"{f['sha256']}  {f['name']}\n"
                          for f in json.loads((folder / "manifest.json").read_text())["files"])
        checked = subprocess.run(["sha256sum", "-c", "-"], cwd=folder, input=listing, capture_output=True,
                                 text=True, timeout=30)
        assert checked.returncode == 0 and ": OK" in checked.stdout
    _flip(folder / "manifest.json", at=20)
    tampered = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=30)
    assert tampered.returncode != 0


@pytest.mark.django_db
def test_the_auditor_help_page_shows_the_public_key_its_fingerprint_and_the_commands(clients):
    page = clients["auditor"].get(reverse("audit:help")).content.decode()
    assert signing.fingerprint() in page and "BEGIN PUBLIC KEY" in page
    assert "verify_export" in page and "openssl pkeyutl -verify -pubin" in page and "sha256sum -c" in page
    pem = _body(clients["auditor"].get(reverse("audit:export-public-key")))
    assert pem.decode() == signing.public_pem()
    assert clients["auditor"].post(reverse("audit:help")).status_code == 405
    assert clients["compliance_officer"].get(reverse("audit:help")).status_code == 403


def test_the_signing_key_reads_a_base64_seed_or_a_pem_and_refuses_anything_else(settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.core.exceptions import ImproperlyConfigured

    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    expected = signing.fingerprint(key.public_key())
    settings.ACQUIRER_EXPORT_SIGNING_KEY = base64.b64encode(seed).decode()
    assert signing.fingerprint() == expected
    settings.ACQUIRER_EXPORT_SIGNING_KEY = pem
    assert signing.fingerprint() == expected
    for wrong in ("", "not base64!", base64.b64encode(b"short").decode()):
        settings.ACQUIRER_EXPORT_SIGNING_KEY = wrong
        with pytest.raises(ImproperlyConfigured):
            signing.private_key()


def test_production_refuses_to_start_without_an_export_signing_key():
    import os
    import secrets
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "acquirer.settings.prod",
           "DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "ACQUIRER_EXPORT_SIGNING_KEY": ""}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "ACQUIRER_EXPORT_SIGNING_KEY" in result.stderr


def test_manifest_file_names_are_plain_and_unique():
    with pytest.raises(ValueError):
        manifests.check_names(["../etc/passwd"])
    with pytest.raises(ValueError):
        manifests.check_names(["a.csv", "a.csv"])
    with pytest.raises(ValueError):
        manifests.check_names(["manifest.json"])
    manifests.check_names(["compliance-report-2026-Q4.pdf", "findings-2026-Q4.xlsx"])
