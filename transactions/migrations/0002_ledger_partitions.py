"""The ledger table, partitioned by month of ``local_date`` (Django does not create partitioned tables).

``transactions_ensure_partitions(first, last)`` creates the monthly partitions that cover the two dates and is
idempotent; the daily job ``transactions.partitions`` calls it for the months ahead. There is no default
partition: a row whose month has no partition is refused by the ingest, never parked somewhere else."""

from django.db import migrations

CREATE = """
CREATE TABLE transactions_transaction (
    local_date date NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    merchant_id bigint NOT NULL,
    terminal_id bigint NOT NULL,
    mid varchar(15) NOT NULL,
    tid varchar(8) NOT NULL,
    type varchar(12) NOT NULL CHECK (type IN ('sale', 'void', 'refund', 'preauth', 'completion', 'reversal')),
    channel varchar(12) NOT NULL
        CHECK (channel IN ('chip', 'contactless', 'magstripe', 'unionpay_qr', 'other_qr')),
    scheme varchar(12) NOT NULL DEFAULT '',
    funding varchar(8) NOT NULL DEFAULT 'unknown' CHECK (funding IN ('debit', 'credit', 'unknown')),
    bin varchar(8) NOT NULL DEFAULT '',
    last4 varchar(4) NOT NULL DEFAULT '',
    card_token varchar(64) NOT NULL DEFAULT '',
    amount_minor bigint NOT NULL,
    fee_minor bigint NOT NULL,
    net_minor bigint NOT NULL,
    currency char(3) NOT NULL,
    stan varchar(6) NOT NULL,
    rrn varchar(12) NOT NULL,
    auth_code varchar(6) NOT NULL DEFAULT '',
    response_code varchar(2) NOT NULL,
    status varchar(10) NOT NULL CHECK (status IN ('approved', 'declined', 'voided', 'reversed')),
    local_time timestamp NOT NULL,
    at timestamptz NOT NULL,
    batch_no varchar(6) NOT NULL DEFAULT '',
    settlement_date date,
    settlement_batch_id bigint,
    latitude numeric(9, 6),
    longitude numeric(9, 6),
    ingest_file_id bigint,
    source_line integer,
    CONSTRAINT transactions_transaction_pkey PRIMARY KEY (local_date, id),
    CONSTRAINT transaction_once UNIQUE (local_date, tid, stan, rrn, type),
    CONSTRAINT transaction_net_is_amount_less_fee CHECK (net_minor = amount_minor - fee_minor),
    CONSTRAINT transaction_bin_digits CHECK (bin ~ '^[0-9]{0,8}$' AND last4 ~ '^([0-9]{4})?$')
) PARTITION BY RANGE (local_date);

CREATE INDEX transaction_merchant_at ON transactions_transaction (merchant_id, at, id);
CREATE INDEX transaction_terminal_at ON transactions_transaction (terminal_id, at, id);
CREATE INDEX transaction_at ON transactions_transaction (at, id);
CREATE INDEX transaction_rrn ON transactions_transaction (rrn);
CREATE INDEX transaction_card_at ON transactions_transaction (card_token, at) WHERE card_token <> '';

CREATE FUNCTION transactions_ensure_partitions(first date, last date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    month date := date_trunc('month', first)::date;
    created integer := 0;
    name text;
BEGIN
    WHILE month <= last LOOP
        name := format('transactions_transaction_y%sm%s', to_char(month, 'YYYY'), to_char(month, 'MM'));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF transactions_transaction FOR VALUES FROM (%L) TO (%L)',
                           name, month, (month + interval '1 month')::date);
            created := created + 1;
        END IF;
        month := (month + interval '1 month')::date;
    END LOOP;
    RETURN created;
END
$$;

SELECT transactions_ensure_partitions((current_date - interval '24 months')::date,
                                      (current_date + interval '3 months')::date);
"""

DROP = """
DROP TABLE IF EXISTS transactions_transaction CASCADE;
DROP FUNCTION IF EXISTS transactions_ensure_partitions(date, date);
"""


class Migration(migrations.Migration):
    dependencies = [("transactions", "0001_transactions")]
    operations = [migrations.RunSQL(CREATE, DROP)]
