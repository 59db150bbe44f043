from django.db import migrations

# The amounts a fresh newsroom offers until staff change them (tamizdat.support.amounts).
DEFAULTS = {
    "USD": {
        "once": ([1000, 2500, 5000, 10000], 2500, 200, 1_000_000),
        "month": ([500, 1000, 2000], 1000, 200, 100_000),
        "year": ([5000, 10000, 20000], 10000, 2000, 1_000_000),
    },
    "EUR": {
        "once": ([1000, 2500, 5000, 10000], 2500, 200, 1_000_000),
        "month": ([500, 1000, 2000], 1000, 200, 100_000),
        "year": ([5000, 10000, 20000], 10000, 2000, 1_000_000),
    },
    "GBP": {
        "once": ([1000, 2000, 5000, 10000], 2000, 200, 1_000_000),
        "month": ([500, 1000, 2000], 500, 200, 100_000),
        "year": ([5000, 10000, 20000], 5000, 2000, 1_000_000),
    },
    "JPY": {
        "once": ([1000, 3000, 5000, 10000], 3000, 300, 1_000_000),
        "month": ([500, 1000, 3000], 1000, 300, 100_000),
        "year": ([5000, 10000, 30000], 10000, 3000, 1_000_000),
    },
}


def seed(apps, schema_editor):
    AmountSet = apps.get_model("support", "AmountSet")
    for currency, by_frequency in DEFAULTS.items():
        for frequency, (suggested, default, minimum, maximum) in by_frequency.items():
            AmountSet.objects.get_or_create(
                currency=currency,
                frequency=frequency,
                defaults={
                    "suggested": suggested,
                    "default_amount": default,
                    "minimum": minimum,
                    "maximum": maximum,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
