"""The ledger search by the card's last four digits: an index on (``last4``, ``at``, ``id``), so a search by last
four reads its newest matches first whatever else is in the date range (without it, a last-four search over a
month of every merchant reads every row of that month). Created on the partitioned parent, hence on every
partition, present and future (PostgreSQL cannot build it ``CONCURRENTLY`` on a partitioned table).

Also (``settlement_date``, ``id``) on the settlement batches: the ops list of every merchant's batches, newest
first (100,000 merchants make 100,000 batches a day). Plain SQL, so the model's state is unchanged."""

from django.db import migrations

CREATE = """
CREATE INDEX IF NOT EXISTS transaction_last4_at ON transactions_transaction (last4, at, id);
CREATE INDEX IF NOT EXISTS batch_date_id ON transactions_settlementbatch (settlement_date, id);
"""
DROP = """
DROP INDEX IF EXISTS transaction_last4_at;
DROP INDEX IF EXISTS batch_date_id;
"""


class Migration(migrations.Migration):
    dependencies = [("transactions", "0003_roles_and_bins")]
    operations = [migrations.RunSQL(CREATE, DROP)]
