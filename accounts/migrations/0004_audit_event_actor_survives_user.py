"""The audit trail keeps its actor id when a user is deleted: no foreign-key constraint, no SET NULL.

The append-only trigger (0003) refuses the UPDATE that SET NULL would run, so deleting a user
with audit events failed on PostgreSQL; `actor_label` names who acted once the user is gone.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_audit_event_append_only"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
