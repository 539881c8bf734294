from django.db import migrations


def load_vocabulary(apps, schema_editor):
    from crm.vocabulary import load_vocabulary as load

    load(apps.get_model("crm", "Theme"), apps.get_model("crm", "TargetGroup"))


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from config.roles import sync_roles

    # Permissions are normally created after migrate finishes; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_initial"),
        ("network", "0002_geography"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(load_vocabulary, migrations.RunPython.noop),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]
