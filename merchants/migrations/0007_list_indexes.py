"""Indexes for the merchants lists at a national acquirer's size: the keyset orders of the register
(legal name, id), the inspection plan (due date, id) and the blacklist (created, id), and trigram indexes
for substring search of legal, trading and blacklisted names (when the server has pg_trgm). MID (unique)
and USCC lookups already have B-tree indexes."""

from django.conf import settings
from django.db import migrations, models

from acquirer.search_indexes import trigram_index


class Migration(migrations.Migration):

    dependencies = [
        ("merchants", "0006_reactivate_terminate_permissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="blacklistentry",
            index=models.Index(fields=["created_at", "id"], name="blacklist_created_id_idx"),
        ),
        migrations.AddIndex(
            model_name="merchant",
            index=models.Index(fields=["legal_name", "id"], name="merchant_name_id_idx"),
        ),
        migrations.AddIndex(
            model_name="merchant",
            index=models.Index(fields=["next_inspection_due", "id"], name="merchant_inspection_due_idx"),
        ),
        trigram_index("merchants_merchant", "legal_name", "merchant_legal_name_trgm"),
        trigram_index("merchants_merchant", "trading_name", "merchant_trading_name_trgm"),
        trigram_index("merchants_blacklistentry", "name", "blacklist_name_trgm"),
    ]
