"""Privacy-enhanced players for outside videos, loaded only after the reader asks for one.

A video link from a known host becomes the address of that host's player that sets no
tracking cookie (YouTube's "nocookie" domain, Vimeo with Do Not Track); any other link stays a
plain link card. The reading page allows frames from these origins only when it has a player.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

YOUTUBE_PLAYER = "https://www.youtube-nocookie.com"
VIMEO_PLAYER = "https://player.vimeo.com"
ORIGINS = (YOUTUBE_PLAYER, VIMEO_PLAYER)

_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_HOSTS = {"youtube.com", "m.youtube.com", "youtube-nocookie.com"}
_VIMEO_ID = re.compile(r"/(\d{1,12})/?")


def player_url(url: str) -> str | None:
    """The privacy-enhanced player's address for a video link, or None for any other link."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    video = None
    if host == "youtu.be":
        video = parts.path.strip("/")
    elif host in _YOUTUBE_HOSTS:
        if parts.path == "/watch":
            video = parse_qs(parts.query).get("v", [""])[0]
        elif parts.path.startswith(("/embed/", "/shorts/", "/live/")):
            video = parts.path.split("/")[2]
    if video is not None:
        if not _YOUTUBE_ID.fullmatch(video):
            return None
        return f"{YOUTUBE_PLAYER}/embed/{video}?autoplay=1"
    if host == "vimeo.com" and (match := _VIMEO_ID.fullmatch(parts.path)):
        return f"{VIMEO_PLAYER}/video/{match.group(1)}?dnt=1&autoplay=1"
    return None


def origin_of(player: str) -> str:
    parts = urlsplit(player)
    return f"{parts.scheme}://{parts.netloc}"
