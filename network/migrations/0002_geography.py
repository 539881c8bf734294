from django.db import migrations


def load(apps, schema_editor):
    from network.geography import load_geography

    load_geography(apps.get_model("network", "Region"), apps.get_model("network", "Municipality"))


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
