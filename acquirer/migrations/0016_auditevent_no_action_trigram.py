"""The audit trail's action search reads the catalogue and the action index (``selectors._action_match``): the
trigram index on the codes, which every event written paid for, goes."""

from django.db import migrations

from acquirer.search_indexes import trigram_index


def _drop(apps, schema_editor):
    schema_editor.execute('DROP INDEX IF EXISTS "auditevent_action_trgm"')


def _restore(apps, schema_editor):
    trigram_index("acquirer_auditevent", "action", "auditevent_action_trgm").code(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("acquirer", "0015_auditevent_lean_indexes")]

    operations = [migrations.RunPython(_drop, _restore, elidable=False)]
