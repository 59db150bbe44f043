"""Lead images for the demo newsroom, drawn locally so that the demo needs no photo library."""

from __future__ import annotations

import colorsys
import io
import math
import random

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 1600, 900
MOTIFS = ("circles", "stripes", "grid", "waves", "mountains", "city", "dots", "rays")


def _colour(hue: int, saturation: float, lightness: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hls_to_rgb((hue % 360) / 360, lightness, saturation)
    return int(red * 255), int(green * 255), int(blue * 255)


def draw(motif: str, hue: int, seed: str) -> bytes:
    """A 1600×900 JPEG of the motif in a palette around the hue; the seed varies the details."""
    if motif not in MOTIFS:
        raise ValueError(f"Unknown motif {motif!r}; expected one of {', '.join(MOTIFS)}.")
    rng = random.Random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT), _colour(hue, 0.35, 0.85))
    pen = ImageDraw.Draw(image)
    # A vertical gradient gives every picture some depth before the motif goes on top.
    for y in range(HEIGHT):
        pen.line([(0, y), (WIDTH, y)], fill=_colour(hue, 0.45, 0.82 - 0.35 * y / HEIGHT))
    shades = [_colour(hue + rng.randint(-40, 40), 0.55, rng.uniform(0.25, 0.7)) for _ in range(6)]
    if motif == "circles":
        for _ in range(14):
            x, y, r = rng.randint(0, WIDTH), rng.randint(0, HEIGHT), rng.randint(60, 320)
            pen.ellipse([x - r, y - r, x + r, y + r], outline=rng.choice(shades), width=18)
    elif motif == "stripes":
        for x in range(-HEIGHT, WIDTH, 120):
            pen.polygon(
                [(x, HEIGHT), (x + 60, HEIGHT), (x + 60 + HEIGHT, 0), (x + HEIGHT, 0)],
                fill=rng.choice(shades),
            )
    elif motif == "grid":
        for x in range(0, WIDTH, 100):
            for y in range(0, HEIGHT, 100):
                if rng.random() < 0.45:
                    pen.rectangle([x + 8, y + 8, x + 92, y + 92], fill=rng.choice(shades))
    elif motif == "waves":
        for row in range(9):
            base = 100 * row + 50
            points = [
                (x, base + 40 * math.sin(x / 90 + row + rng.random()))
                for x in range(0, WIDTH + 20, 20)
            ]
            pen.line(points, fill=shades[row % len(shades)], width=22)
    elif motif == "mountains":
        for layer in range(4):
            peaks = [(0, HEIGHT)]
            for x in range(0, WIDTH + 200, 200):
                peaks.append((x, rng.randint(250 + layer * 120, 500 + layer * 100)))
            peaks.append((WIDTH, HEIGHT))
            pen.polygon(peaks, fill=_colour(hue, 0.4, 0.6 - layer * 0.12))
    elif motif == "city":
        x = 0
        while x < WIDTH:
            width, height = rng.randint(60, 160), rng.randint(200, 700)
            pen.rectangle([x, HEIGHT - height, x + width, HEIGHT], fill=rng.choice(shades))
            for wy in range(HEIGHT - height + 20, HEIGHT - 20, 40):
                for wx in range(x + 12, x + width - 12, 28):
                    if rng.random() < 0.4:
                        pen.rectangle([wx, wy, wx + 12, wy + 18], fill=_colour(hue + 180, 0.8, 0.8))
            x += width + rng.randint(4, 20)
    elif motif == "dots":
        for x in range(40, WIDTH, 80):
            for y in range(40, HEIGHT, 80):
                r = rng.randint(6, 30)
                pen.ellipse([x - r, y - r, x + r, y + r], fill=rng.choice(shades))
    elif motif == "rays":
        centre = (rng.randint(400, 1200), rng.randint(300, 600))
        for angle in range(0, 360, 12):
            end = (
                centre[0] + 2000 * math.cos(math.radians(angle)),
                centre[1] + 2000 * math.sin(math.radians(angle)),
            )
            pen.line([centre, end], fill=rng.choice(shades), width=28)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82, optimize=True, progressive=True)
    return buffer.getvalue()
