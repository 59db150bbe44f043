"""The files a copy's stylesheets name come along with them."""

from __future__ import annotations

import pytest

from tamizdat.mirror.assets import copy_assets

pytestmark = pytest.mark.engine_neutral


def test_the_files_a_stylesheet_names_are_copied_with_it(settings, tmp_path):
    static = tmp_path / "static-source"
    (static / "look/fonts").mkdir(parents=True)
    (static / "look/site.css").write_text(
        '@import "more.css";\nbody { background: url("bg.svg#a"); }\n'
        "h1 { background: url(data:image/png;base64,AAAA); }\n"
        "a { background: url(https://elsewhere.example/x.png); }\n"
    )
    (static / "look/more.css").write_text("@font-face { src: url('fonts/serif.woff2?v=2'); }")
    (static / "look/bg.svg").write_text("<svg/>")
    (static / "look/fonts/serif.woff2").write_bytes(b"font")
    settings.STATICFILES_DIRS = [static]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    copy = tmp_path / "copy"
    copy_assets(copy, {f"{settings.STATIC_URL}look/site.css"}, set())
    copied = sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file())
    prefix = settings.STATIC_URL.strip("/")
    assert copied == [
        f"{prefix}/look/{name}" for name in ("bg.svg", "fonts/serif.woff2", "more.css", "site.css")
    ]
