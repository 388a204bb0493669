"""Grant the transaction permissions to the staff roles (frozen copy of transactions/roles.py at this point) and
load a starter BIN table (prefixes by scheme and funding; ops refine it, the longest prefix wins)."""

from django.db import migrations

READ = ["view_transaction", "view_ingestfile", "view_clearingrecord", "view_bankstatementline", "view_binrange",
        "view_clearingaccount", "view_settlementbatch", "view_payoutfile", "view_reconrun", "view_reconchunk",
        "view_reconsummary", "view_reconexception"]
GRANTS = {
    "field_engineer": ["view_transaction"],
    "risk_analyst": [*READ, "handle_recon_exception"],
    "customer_service": ["view_transaction", "view_settlementbatch"],
    "compliance_officer": [*READ],
    "operations_manager": [*READ, "ingest_file", "manage_settlement", "run_reconciliation",
                           "handle_recon_exception", "approve_recon_exception"],
}

BINS = [
    # prefix, scheme, funding, issuer
    ("62", "unionpay", "unknown", ""),
    ("621", "unionpay", "debit", ""),
    ("622", "unionpay", "debit", ""),
    ("623", "unionpay", "debit", ""),
    ("625", "unionpay", "credit", ""),
    ("628", "unionpay", "credit", ""),
    ("4", "visa", "unknown", ""),
    ("51", "mastercard", "credit", ""),
    ("52", "mastercard", "credit", ""),
    ("53", "mastercard", "credit", ""),
    ("54", "mastercard", "credit", ""),
    ("55", "mastercard", "credit", ""),
    ("35", "jcb", "credit", ""),
    ("34", "amex", "credit", ""),
    ("37", "amex", "credit", ""),
]


def forwards(apps, schema_editor):
    from acquirer.roles import grant

    grant(apps, "transactions", GRANTS)
    BinRange = apps.get_model("transactions", "BinRange")
    BinRange.objects.bulk_create([BinRange(prefix=p, scheme=s, funding=f, issuer=i) for p, s, f, i in BINS],
                                 ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("transactions", "0002_ledger_partitions"), ("acquirer", "0003_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
