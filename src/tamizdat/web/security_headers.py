"""Response headers that Django's SecurityMiddleware does not set by itself."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if settings.ONION_ADDRESS and not request.get_host().endswith(".onion"):
            # Tor Browser offers readers the onion address of the page they are on.
            response.setdefault(
                "Onion-Location", f"http://{settings.ONION_ADDRESS}{request.get_full_path()}"
            )
        return response
