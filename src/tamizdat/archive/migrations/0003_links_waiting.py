from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0002_indexed"),
    ]

    operations = [
        migrations.AddField(
            model_name="importeditem",
            name="links_waiting",
            field=models.BooleanField(default=False),
        ),
    ]
