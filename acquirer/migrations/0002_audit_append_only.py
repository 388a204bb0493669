"""PostgreSQL refuses UPDATE and DELETE on the audit trail."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION acquirer_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'acquirer_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER acquirer_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON acquirer_auditevent
    FOR EACH ROW EXECUTE FUNCTION acquirer_auditevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS acquirer_auditevent_no_update_delete ON acquirer_auditevent;
DROP FUNCTION IF EXISTS acquirer_auditevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("acquirer", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
