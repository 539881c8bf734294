"""Static files collect as production collects them: hashed names, compressed, every
reference resolved (a vendored file pointing at a missing source map once broke this)."""

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_with_the_production_storage(tmp_path, settings):
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/chart.js/chart.umd.min.js" in manifest
    assert list(tmp_path.glob("vendor/chart.js/chart.umd.min.*.js.gz"))
