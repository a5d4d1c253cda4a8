"""Sales quotes move to the ``quotes`` app: their models leave pricing's state only.

The tables (``pricing_salesquote``, ``pricing_salesquoteline``,
``pricing_historicalsalesquote``) and their rows stay; ``quotes`` takes them over
(``quotes/migrations/0001_initial.py``).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pricing", "0003_fill_campaign_target_count"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SalesQuoteLine"),
                migrations.DeleteModel(name="HistoricalSalesQuote"),
                migrations.DeleteModel(name="SalesQuote"),
            ],
            database_operations=[],
        ),
    ]
