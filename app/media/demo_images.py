"""Pictures for the demo site, drawn with Pillow when the demo content is loaded.

Nothing is downloaded and no third-party photo is bundled, so there is no licence to track:
the scenes are generated from fixed seeds (a harbour at dawn, a rally, a press conference,
mountains, a reading room) at photo size, so the renditions and srcset work as with real photos.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter

SIZE = (1600, 1067)
Scene = Callable[[ImageDraw.ImageDraw, random.Random], None]


def _sky(draw: ImageDraw.ImageDraw, top: tuple, bottom: tuple, height: int) -> None:
    for y in range(height):
        t = y / max(1, height - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (SIZE[0], y)], fill=colour)


def _person(draw: ImageDraw.ImageDraw, x: int, base: int, scale: float, colour: tuple) -> None:
    head = 16 * scale
    draw.ellipse([x - head, base - 110 * scale, x + head, base - 78 * scale], fill=colour)
    draw.rounded_rectangle(
        [x - 26 * scale, base - 76 * scale, x + 26 * scale, base],
        radius=int(12 * scale),
        fill=colour,
    )


def harbour(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    w, h = SIZE
    _sky(draw, (250, 196, 140), (120, 150, 200), int(h * 0.62))
    draw.ellipse([w * 0.62, h * 0.38, w * 0.72, h * 0.53], fill=(255, 226, 160))
    _sky_sea = [(40, 70, 110), (20, 40, 70)]
    for y in range(int(h * 0.62), h):
        t = (y - h * 0.62) / (h * 0.38)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(*_sky_sea, strict=True))
        draw.line([(0, y), (w, y)], fill=colour)
    for _ in range(220):
        x, y = rng.uniform(0, w), rng.uniform(h * 0.63, h)
        draw.line([(x, y), (x + rng.uniform(20, 90), y)], fill=(230, 190, 140), width=2)
    for n in range(6):
        x = 150 + n * 320 + rng.uniform(-40, 40)
        y = h * 0.62 + rng.uniform(20, 120)
        draw.polygon([(x, y), (x + 220, y), (x + 180, y + 50), (x + 30, y + 50)], fill=(25, 25, 35))
        draw.line([(x + 110, y), (x + 110, y - 260)], fill=(25, 25, 35), width=6)
    for n in range(4):
        x = 80 + n * 520
        draw.rectangle([x, h * 0.35, x + 30, h * 0.62], fill=(35, 35, 45))
        draw.line([(x + 15, h * 0.35), (x + 300, h * 0.25)], fill=(35, 35, 45), width=8)


def rally(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    w, h = SIZE
    _sky(draw, (150, 185, 225), (215, 225, 235), int(h * 0.5))
    x = 0
    while x < w:
        bw, bh = rng.randint(160, 320), rng.randint(250, 560)
        tone = rng.randint(150, 200)
        draw.rectangle([x, h * 0.6 - bh, x + bw, h], fill=(tone, tone - 15, tone - 30))
        for wy in range(int(h * 0.6 - bh) + 30, int(h * 0.6), 70):
            for wx in range(x + 20, x + bw - 30, 55):
                draw.rectangle([wx, wy, wx + 28, wy + 40], fill=(90, 100, 120))
        x += bw + rng.randint(0, 20)
    draw.rectangle([0, h * 0.6, w, h], fill=(120, 115, 110))
    palette = [(160, 30, 40), (40, 60, 120), (230, 200, 60), (30, 110, 70), (240, 240, 240)]
    for row in range(9):
        base = int(h * 0.66 + row * 55)
        scale = 0.8 + row * 0.15
        for _ in range(34):
            px = rng.uniform(0, w)
            _person(draw, int(px), base + 80, scale, (rng.randint(20, 70),) * 3)
            if rng.random() < 0.18:
                colour = rng.choice(palette)
                top = base - 190 * scale
                draw.line([(px, base - 40), (px, top)], fill=(70, 50, 30), width=5)
                draw.rectangle(
                    [px - 38 * scale, top - 40 * scale, px + 38 * scale, top], fill=colour
                )


def press_conference(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    w, h = SIZE
    draw.rectangle([0, 0, w, h], fill=(38, 58, 92))
    for x in range(0, w, 250):
        for y in range(0, int(h * 0.6), 170):
            draw.rectangle([x + 40, y + 40, x + 200, y + 120], outline=(70, 95, 140), width=6)
    draw.rectangle([0, h * 0.62, w, h], fill=(110, 75, 50))
    draw.rectangle([w * 0.15, h * 0.55, w * 0.85, h * 0.66], fill=(140, 100, 70))
    for n in range(3):
        cx = int(w * (0.3 + n * 0.2))
        _person(draw, cx, int(h * 0.56), 2.3, (30 + n * 10, 30, 40))
        draw.line([(cx, h * 0.55), (cx - 30, h * 0.42)], fill=(20, 20, 20), width=8)
        draw.ellipse([cx - 48, h * 0.40, cx - 14, h * 0.44], fill=(15, 15, 15))
    for _ in range(14):
        cx = int(rng.uniform(0, w))
        _person(draw, cx, h + 80, 3.2, (15, 15, 20))


def mountains(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    w, h = SIZE
    _sky(draw, (70, 120, 190), (200, 220, 240), h)
    for layer, tone in enumerate([(120, 135, 160), (85, 105, 120), (60, 85, 70)]):
        points = [(0, h)]
        x, y = 0, h * (0.35 + layer * 0.15)
        while x <= w:
            points.append((x, y))
            x += rng.randint(80, 220)
            y = min(h * 0.9, max(h * 0.2, y + rng.uniform(-140, 140)))
        points.append((w, h))
        draw.polygon(points, fill=tone)
    for _ in range(25):
        x, y = rng.uniform(0, w), rng.uniform(h * 0.78, h * 0.95)
        draw.rectangle([x, y, x + 60, y + 45], fill=(230, 225, 210))
        draw.polygon([(x - 8, y), (x + 68, y), (x + 30, y - 35)], fill=(150, 60, 50))


def reading_room(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    w, h = SIZE
    draw.rectangle([0, 0, w, h], fill=(235, 225, 205))
    for shelf in range(5):
        y = 80 + shelf * 170
        draw.rectangle([0, y + 140, w, y + 155], fill=(110, 70, 40))
        x = 0
        while x < w:
            bw = rng.randint(22, 48)
            colour = (rng.randint(60, 200), rng.randint(40, 140), rng.randint(40, 120))
            draw.rectangle([x, y + rng.randint(20, 50), x + bw, y + 140], fill=colour)
            x += bw + 3
    draw.rectangle([0, h * 0.72, w, h], fill=(150, 110, 75))
    for n in range(4):
        x = 200 + n * 450
        _person(draw, x, int(h * 0.8), 2.0, (50, 45, 60))
        draw.rectangle([x - 90, h * 0.74, x + 90, h * 0.78], fill=(250, 250, 245))


# file name -> (scene, title, alt text, caption)
DEMO_IMAGES: dict[str, tuple[Scene, str, str, str]] = {
    "demo-harbour-at-dawn.jpg": (
        harbour,
        "Harbour at dawn",
        "Fishing boats in silhouette on a calm sea under an orange morning sky",
        "The harbour where the delegation arrived, early in the morning.",
    ),
    "demo-rally.jpg": (
        rally,
        "Rally in the square",
        "A large crowd with red, blue and yellow placards in a square between tall buildings",
        "Several thousand people joined the rally for the families.",
    ),
    "demo-press-conference.jpg": (
        press_conference,
        "Press conference",
        "Three speakers at a table with microphones, facing journalists seen from behind",
        "Presenting the annual report to the press.",
    ),
    "demo-mountains.jpg": (
        mountains,
        "Mountain villages",
        "Red-roofed houses at the foot of layered blue mountains",
        "Many of the families come from villages like these.",
    ),
    "demo-reading-room.jpg": (
        reading_room,
        "Reading room",
        "Four people reading at a long table in front of full bookshelves",
        "Volunteers going through the letters in the counselling centre's reading room.",
    ),
}
CREDIT = "Illustration: Broadside demo (generated)"


def render(name: str) -> bytes:
    """The JPEG of demo image ``name``; the same bytes every time."""
    scene = DEMO_IMAGES[name][0]
    image = Image.new("RGB", SIZE)
    scene(ImageDraw.Draw(image), random.Random(name))
    # A little blur and grain so it compresses like a photo rather than flat artwork.
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    grain = Image.frombytes("L", SIZE, random.Random(name).randbytes(SIZE[0] * SIZE[1]))
    image = Image.blend(image, grain.convert("RGB"), 0.05)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()
