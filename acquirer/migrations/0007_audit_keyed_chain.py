"""The audit trail becomes a keyed chain (HMAC, key id per event) and refuses TRUNCATE.

Existing events, chained before with plain SHA-256, are re-chained once with the current audit key
(the UPDATE trigger is switched off for that step only, inside this migration's transaction).
TRUNCATE is refused by a statement-level trigger unless the session set ``acquirer.audit_truncate``
to ``allow`` — only the test settings do, so that transactional tests can flush the database.
"""

from django.db import migrations, models

TRUNCATE_GUARD = """
CREATE OR REPLACE FUNCTION acquirer_auditevent_no_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('acquirer.audit_truncate', true), '') = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'acquirer_auditevent is append-only: TRUNCATE refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER acquirer_auditevent_no_truncate
    BEFORE TRUNCATE ON acquirer_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION acquirer_auditevent_no_truncate();
"""

DROP_TRUNCATE_GUARD = """
DROP TRIGGER IF EXISTS acquirer_auditevent_no_truncate ON acquirer_auditevent;
DROP FUNCTION IF EXISTS acquirer_auditevent_no_truncate();
"""


def rechain(apps, schema_editor):
    from acquirer import audit

    AuditEvent = apps.get_model("acquirer", "AuditEvent")
    if not AuditEvent.objects.exists():
        return
    key_id = audit.audit_keys()[0]
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE acquirer_auditevent DISABLE TRIGGER acquirer_auditevent_no_update_delete")
    previous = audit.GENESIS
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        event.prev_hash = previous
        event.key_id = key_id
        event.hash = audit.compute_hash(event)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, key_id=key_id,
                                                      hash=f"rechain-{event.pk}")
        previous = event.hash
    # Second pass: unique hashes may collide mid-way with an old value, so write the final values last.
    previous = audit.GENESIS
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        event.prev_hash = previous
        event.hash = audit.compute_hash(event)
        AuditEvent.objects.filter(pk=event.pk).update(hash=event.hash)
        previous = event.hash
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE acquirer_auditevent ENABLE TRIGGER acquirer_auditevent_no_update_delete")


class Migration(migrations.Migration):
    dependencies = [("acquirer", "0006_auditevent_terminal_index")]
    operations = [
        migrations.AddField(model_name="auditevent", name="key_id",
                            field=models.CharField(blank=True, max_length=64)),
        migrations.RunSQL(TRUNCATE_GUARD, DROP_TRUNCATE_GUARD),
        migrations.RunPython(rechain, migrations.RunPython.noop),
    ]
