"""Uploaded media served by the web process itself (one machine, `TAMIZDAT_MEDIA_STORAGE=local`).

A rendition lives in a folder named by its original's content (`news.photos.PhotoRendition`):
its address never serves other bytes, so it is served as immutable for a year. Originals keep
their names when replaced, and are served without a lifetime of their own.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.views.static import serve

YEAR_SECONDS = 365 * 24 * 60 * 60
# How many hex digits of the original's SHA-1 name the folder of its renditions.
HASHED_FOLDER_LENGTH = 12
HASHED_RENDITION = re.compile(rf"images/[0-9a-f]{{{HASHED_FOLDER_LENGTH}}}/[^/]+")


def media(request: HttpRequest, path: str) -> HttpResponseBase:
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    if HASHED_RENDITION.fullmatch(path):
        patch_cache_control(response, public=True, max_age=YEAR_SECONDS, immutable=True)
    return response
