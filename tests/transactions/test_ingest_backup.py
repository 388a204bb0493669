"""A CSV journal's card numbers are not in a backup either: a backup taken after the upload, restored into a fresh
database and folder, holds none of them — in any text column or any restored file."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from acquirer.backups import pg
from acquirer.models import Backup
from tests.backup_support import make_backup_env
from tests.transactions.factories import live_merchant_with_terminal
from tests.transactions.ingest_support import journal_row, valid_pan
from transactions.demo.files import write_journal_csv
from transactions.models import IngestFile, Transaction
from transactions.services.ingest import ingest_stored, ingest_upload

TEXT_COLUMNS = """SELECT table_name, column_name FROM information_schema.columns
                  WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'jsonb',
                                                                  'json')"""


def _text_of(conn) -> str:
    chunks = []
    with conn.cursor() as cursor:
        cursor.execute(TEXT_COLUMNS)
        for table, column in cursor.fetchall():
            cursor.execute(f'SELECT string_agg("{column}"::text, chr(10)) FROM "{table}"')
            chunks.append(cursor.fetchone()[0] or "")
    return "\n".join(chunks)


@pytest.mark.django_db(transaction=True)
def test_a_backup_after_a_csv_journal_holds_no_card_number(settings, tmp_path, merchant_a, users):
    folders = make_backup_env(settings, tmp_path)
    merchant, terminal = live_merchant_with_terminal(merchant_a, users["operations_manager"])
    pans = [valid_pan("62258812", 16), valid_pan("45320151", 16), valid_pan("62220212", 19)]
    path = tmp_path / "journal.csv"
    write_journal_csv(path, [journal_row(merchant, terminal, pan=pan) for pan in pans])
    record = ingest_upload(actor=users["operations_manager"], kind=IngestFile.Kind.JOURNAL_CSV,
                           uploaded_file=SimpleUploadedFile("journal.csv", path.read_bytes()))
    ingest_stored(file_id=record.pk)
    assert Transaction.objects.filter(merchant_id=merchant.pk).count() == 3

    call_command("backup_now")
    backup = Backup.objects.get()
    params = pg.connection_params(connection.settings_dict)
    target = f"restore_pan_{os.getpid()}"
    with pg.connect({**params, "dbname": "postgres"}, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}"')
        conn.execute(f'CREATE DATABASE "{target}"')
    try:
        host = params["host"].replace("/", "%2F") or "localhost"
        restored_files = tmp_path / "restored-files"
        call_command("restore", str(folders["backups"] / backup.name),
                     "--into", f"postgres://{params['user']}@{host}:{params['port']}/{target}",
                     "--files-into", str(restored_files))
        with pg.connect({**params, "dbname": target}) as conn:
            text = _text_of(conn)
            with conn.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM transactions_transaction WHERE merchant_id = %s AND last4 <> ''",
                               [merchant.pk])
                assert cursor.fetchone()[0] == 3  # the ledger came back, with BIN and last four only
        files = b"".join(p.read_bytes() for p in restored_files.rglob("*") if p.is_file())
        assert files  # the stored rewrite and the row report are in the backup (encrypted)
        for pan in pans:
            assert pan not in text
            assert pan.encode() not in files
    finally:
        with pg.connect({**params, "dbname": "postgres"}, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
