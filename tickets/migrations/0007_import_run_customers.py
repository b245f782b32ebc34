# Customers come in by CSV import too (issue 18): an import run may hold customers.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_business_seconds_and_customer"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importrun",
            name="kind",
            field=models.CharField(
                choices=[("tickets", "Tickets"), ("surveys", "Survey responses"), ("customers", "Customers")],
                max_length=16,
            ),
        ),
        migrations.RemoveConstraint(
            model_name="importrun",
            name="import_run_kind_valid",
        ),
        migrations.AddConstraint(
            model_name="importrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["tickets", "surveys", "customers"])), name="import_run_kind_valid"
            ),
        ),
    ]
