"""What the WordPress import's tests share."""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus


def assert_redirected(client, moves: Iterable[tuple[str, str]]) -> None:
    """Each old address answers 301 to its new one, and the new one is a page."""
    for old, new in moves:
        response = client.get(old)
        assert response.status_code == HTTPStatus.MOVED_PERMANENTLY, old
        assert response["Location"] == new, old
        assert client.get(new).status_code == HTTPStatus.OK, new
