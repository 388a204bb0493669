"""The transactional outbox: Celery tasks written in the caller's transaction, sent after commit or by the
``outbox.relay`` job (acquirer/outbox.py)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("acquirer", "0007_audit_keyed_chain"),
    ]

    operations = [
        migrations.CreateModel(
            name="OutboxMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("task_name", models.CharField(max_length=200)),
                ("kwargs", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("available_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("last_error", models.TextField(blank=True)),
            ],
            options={
                "ordering": ["id"],
                "indexes": [
                    models.Index(condition=models.Q(("sent_at__isnull", True)), fields=["available_at", "id"],
                                 name="outbox_pending_idx"),
                    models.Index(condition=models.Q(("sent_at__isnull", True)), fields=["task_name"],
                                 name="outbox_pending_task_idx"),
                    models.Index(condition=models.Q(("sent_at__isnull", False)), fields=["sent_at"],
                                 name="outbox_sent_idx"),
                ],
            },
        ),
    ]
