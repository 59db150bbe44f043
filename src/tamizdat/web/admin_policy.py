"""The staff admin's own Content-Security-Policy.

Reading pages carry no inline script or style at all, so their policy needs no nonce and a cached
copy stays valid for everyone. Wagtail's admin still starts its choosers, inline panels and
modal forms with small inline scripts. Admin pages are never shared or cached, so each response
gets a fresh nonce, and every inline `<script>` the admin sends (in its HTML, and in the HTML its
modal dialogs receive as JSON) carries it. Its editors (Draftail, tooltips) also add `<style>`
elements at run time, which no nonce can reach, so inline styles are allowed there: a style
cannot run code. What stays forbidden: scripts and styles from any other origin, inline event
handlers, `javascript:` addresses, `eval`, plugins, framing by other sites.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from tamizdat.news.players import ORIGINS as PLAYER_ORIGINS

ADMIN_PREFIX = "/admin/"
STAMPED_TYPES = ("text/html", "application/json")
# An opening <script> tag that loads nothing and has no nonce yet.
_INLINE_SCRIPT = re.compile(rb"<script\b(?![^>]*\b(?:src|nonce)=)", re.IGNORECASE)


def policy(nonce: str) -> str:
    sources = {
        **settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # The editor's preview shows outside videos only after a click, like the reading page.
        "frame-src": ["'self'", *PLAYER_ORIGINS],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in sources.items())


def stamp(content: bytes, nonce: str) -> bytes:
    # Unquoted, so that the attribute reads the same inside HTML and inside a JSON string; a
    # URL-safe token has no character an unquoted attribute value forbids.
    return _INLINE_SCRIPT.sub(lambda match: match.group(0) + f" nonce={nonce}".encode(), content)


class AdminPolicyMiddleware:
    """Sits inside django-csp's middleware, which leaves a policy already set alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(ADMIN_PREFIX):
            return response
        nonce = secrets.token_urlsafe(18)
        content_type = response.get("Content-Type", "")
        if not response.streaming and content_type.startswith(STAMPED_TYPES):
            response.content = stamp(response.content, nonce)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        response["Content-Security-Policy"] = policy(nonce)
        return response
