"""Sample uploads made with Pillow at test time: good files of each type and hostile ones."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

RED, BLUE = (220, 20, 20), (20, 20, 220)
SERIAL = "CAMSERIAL-0042"
OWNER = "Reporter Jane Doe"


def photo(size=(1600, 1000), fmt="JPEG", mode="RGB", **save) -> bytes:
    """A gradient photo-like image (so sizes differ between renditions)."""
    image = Image.linear_gradient("L").resize(size).convert(mode)
    if mode == "RGB":
        r = Image.linear_gradient("L").rotate(90).resize(size)
        g = Image.effect_noise(size, 40).convert("L")
        image = Image.merge("RGB", (r, g, Image.linear_gradient("L").resize(size)))
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def phone_photo_with_exif() -> bytes:
    """A 1400×700 JPEG whose EXIF says "rotate 90° clockwise to show", with GPS and serials.

    Stored left half red, right half blue: shown upright, the top is red and the bottom blue.
    """
    image = Image.new("RGB", (1400, 700), BLUE)
    image.paste(RED, (0, 0, 700, 700))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° CW
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    exif[0x013B] = OWNER  # Artist
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0xA431] = SERIAL  # BodySerialNumber
    exif_ifd[0xA430] = OWNER  # CameraOwnerName
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 31.0, 12.0)
    gps[3] = "E"
    gps[4] = (13.0, 24.0, 36.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def renamed_executable() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 20


def truncated_jpeg() -> bytes:
    data = photo((800, 600))
    return data[: len(data) // 2]


def png_bomb(side: int = 12_000) -> bytes:
    """A valid PNG of side×side black pixels: a few hundred KB that decode to >100 MB."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * side
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
    )


def gif_js_polyglot() -> bytes:
    """A file that is both a GIF and a script: ``GIF89a/*<image>*/=alert(1);``.

    The logical-screen width bytes are ``/*``, opening a JavaScript comment that the bytes after
    the GIF trailer close before the payload.
    """
    image = Image.new("P", (10799, 1), 0)
    out = io.BytesIO()
    image.save(out, format="GIF")
    data = bytearray(out.getvalue())
    assert data[6:8] == b"/*"  # 10799 = 0x2A2F, little-endian "/*"
    assert b"*/" not in data
    return bytes(data) + b"*/=alert(document.domain);"


def oversized(megabytes: int = 25) -> bytes:
    return b"\xff\xd8\xff\xe0" + b"\x00" * (megabytes * 1024 * 1024)
