"""Deciding what an uploaded file is, and re-encoding images with Pillow. No database, no Flask.

The type comes from the content only: a PDF signature, or Pillow opening the image with the
decoders we accept. Every image is decoded and re-encoded, so what is stored is pixels we
produced ourselves: no hidden payload, no metadata unless the site keeps it on purpose.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError, features

from app.media.errors import MediaError

__all__ = [
    "ACCEPTED_DESCRIPTION",
    "MediaError",
    "Processed",
    "Rendition",
    "make_renditions",
    "process_upload",
]

# Pillow format -> (file extension, MIME type). MPO is how Pillow names many phone JPEGs.
IMAGE_FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("jpg", "image/jpeg"),
    "MPO": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
if features.check("avif"):
    IMAGE_FORMATS["AVIF"] = ("avif", "image/avif")

FORMAT_OF_MIME = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
EXTENSION_OF_MIME = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

ACCEPTED_DESCRIPTION = (
    "JPEG, PNG, GIF, WebP"
    + (", AVIF" if "AVIF" in IMAGE_FORMATS else "")
    + " images and PDF documents"
)
# What Image.open may try (MPO files are opened by the JPEG decoder).
OPEN_FORMATS = [name for name in IMAGE_FORMATS if name != "MPO"]
ORIENTATION_TAG = 0x0112
MAX_FRAMES = 1000
PDF_MIME = "application/pdf"


@dataclass
class Rendition:
    width: int
    height: int
    mime_type: str
    data: bytes


@dataclass
class Processed:
    kind: str  # "image" or "document"
    mime_type: str
    extension: str
    data: bytes
    width: int | None = None
    height: int | None = None
    renditions: list[Rendition] = field(default_factory=list)


def process_upload(
    data: bytes,
    *,
    max_bytes: int,
    max_pixels: int,
    widths: list[int],
    keep_metadata: bool = False,
) -> Processed:
    """Check ``data`` and turn it into what we store, or raise :class:`MediaError`."""
    if not data:
        raise MediaError("The file is empty.")
    if len(data) > max_bytes:
        raise MediaError(
            f"The file is {len(data) / 1048576:.1f} MB; the limit is {max_bytes / 1048576:.0f} MB."
        )
    if data.startswith(b"%PDF-"):
        return _process_pdf(data)
    _refuse_markup(data)
    image = _open_image(data, max_pixels)
    return _process_image(image, data, max_pixels, widths, keep_metadata)


def _process_pdf(data: bytes) -> Processed:
    if b"%%EOF" not in data[-2048:]:
        raise MediaError(
            "The PDF document is incomplete (it has no end marker). Nothing was saved."
        )
    return Processed(kind="document", mime_type=PDF_MIME, extension="pdf", data=data)


# The first bytes of the binary image formats accepted (AVIF and HEIF: "ftyp" at offset 4).
_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"RIFF")


def _refuse_markup(data: bytes) -> None:
    """Refuse SVG and other markup, which could carry scripts. A binary image is not looked
    into: its compressed bytes hold "<svg" by chance in about one photo in 100,000 (seen in
    CI), and such a file is opened, checked and served as the image type Pillow finds."""
    if data.startswith(_IMAGE_SIGNATURES) or data[4:8] == b"ftyp":
        return
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") or b"<svg" in head:
        if b"<svg" in head or b"svg" in head[:200]:
            raise MediaError(
                "SVG images are not accepted: they can carry scripts. Upload a PNG export instead."
            )
        raise MediaError(f"This is a web page or XML file, not one of the {ACCEPTED_DESCRIPTION}.")


def _open_image(data: bytes, max_pixels: int) -> Image.Image:
    not_accepted = MediaError(
        f"This file is not one of the accepted types ({ACCEPTED_DESCRIPTION}), whatever its name says."
    )
    # Pillow's own decompression-bomb guard follows our limit (we also check after opening).
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=OPEN_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels() from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise not_accepted from error
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise _too_many_pixels(width, height, max_pixels)
    if image.format == "GIF":
        frames = _check_gif_structure(data)
    elif image.format == "PNG":
        _check_png_end(data)
        frames = getattr(image, "n_frames", 1)
    else:
        frames = getattr(image, "n_frames", 1)
    if frames > MAX_FRAMES or frames * width * height > max_pixels:
        raise _too_many_pixels(width, height, max_pixels, frames)
    return image


def _too_many_pixels(
    width: int = 0, height: int = 0, limit: int = 0, frames: int = 1
) -> MediaError:
    if width:
        size = f"{width} × {height} pixels" + (f" in {frames} frames" if frames > 1 else "")
        return MediaError(
            f"The image is too large to process safely ({size}; the limit is "
            f"{limit / 1_000_000:.0f} million pixels). Nothing was saved."
        )
    return MediaError("The image is too large to process safely. Nothing was saved.")


def _trailing_data_error() -> MediaError:
    return MediaError(
        "The image has extra data after its end (a file disguised as an image, "
        "perhaps carrying a script). Nothing was saved."
    )


def _check_png_end(data: bytes) -> None:
    end = data.rfind(b"IEND")
    if end == -1:
        raise MediaError("The PNG image is incomplete. Nothing was saved.")
    if data[end + 8 :].strip(b"\x00\r\n\t "):
        raise _trailing_data_error()


def _check_gif_structure(data: bytes) -> int:
    """Walk the GIF's blocks to its trailer: count frames, refuse anything after the end.

    GIF/JavaScript polyglots hide their script in the header fields and after the trailer.
    """
    damaged = MediaError("The GIF image is damaged or incomplete. Nothing was saved.")
    try:
        pos = 13
        flags = data[10]
        if flags & 0x80:
            pos += 3 * (2 ** ((flags & 7) + 1))
        frames = 0
        while True:
            block = data[pos]
            if block == 0x3B:  # trailer
                break
            if block == 0x21:  # extension: label, then sub-blocks
                pos = _skip_sub_blocks(data, pos + 2)
            elif block == 0x2C:  # image descriptor
                frames += 1
                local = data[pos + 9]
                pos += 10
                if local & 0x80:
                    pos += 3 * (2 ** ((local & 7) + 1))
                pos = _skip_sub_blocks(data, pos + 1)  # after the LZW minimum code size
            else:
                raise damaged
    except IndexError as error:
        raise damaged from error
    if data[pos + 1 :].strip(b"\x00\r\n\t "):
        raise _trailing_data_error()
    return max(frames, 1)


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while True:
        size = data[pos]
        pos += 1
        if size == 0:
            return pos
        pos += size


def _decode(image: Image.Image) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels() from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise MediaError(
            "The image is damaged or incomplete (it could not be read to the end). Nothing was saved."
        ) from error


def _process_image(
    image: Image.Image, data: bytes, max_pixels: int, widths: list[int], keep_metadata: bool
) -> Processed:
    source_format = image.format or ""
    extension, mime_type = IMAGE_FORMATS[source_format]
    save_format = "JPEG" if source_format == "MPO" else source_format
    icc_profile = image.info.get("icc_profile")
    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        return _process_animation(image, save_format, extension, mime_type)
    _decode(image)
    exif = image.getexif() if keep_metadata else None
    upright = ImageOps.exif_transpose(image)
    if exif is not None and ORIENTATION_TAG in exif:
        del exif[ORIENTATION_TAG]  # the pixels are upright now
    options: dict = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if exif is not None and len(exif):
        options["exif"] = exif.tobytes()
    stored = _encode(upright, save_format, quality=90, **options)
    processed = Processed(
        kind="image",
        mime_type=mime_type,
        extension=extension,
        data=stored,
        width=upright.width,
        height=upright.height,
    )
    processed.renditions = make_renditions(upright, save_format, widths, icc_profile)
    return processed


def _process_animation(
    image: Image.Image, save_format: str, extension: str, mime_type: str
) -> Processed:
    """Animated GIF/WebP: re-encode every frame (dropping metadata), make no renditions."""
    try:
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise MediaError("The animation is damaged or incomplete. Nothing was saved.") from error
    out = io.BytesIO()
    frames[0].save(
        out,
        format=save_format,
        save_all=True,
        append_images=frames[1:],
        loop=image.info.get("loop", 0),
        duration=image.info.get("duration", 100),
    )
    return Processed(
        kind="image",
        mime_type=mime_type,
        extension=extension,
        data=out.getvalue(),
        width=image.width,
        height=image.height,
    )


def fallback_mime(save_format: str, image: Image.Image) -> str:
    """The format of the renditions every browser shows: JPEG for photos, PNG for GIFs."""
    if save_format == "WEBP":
        return "image/webp"
    if save_format in {"PNG", "GIF"} or (save_format == "AVIF" and _has_alpha(image)):
        return "image/png"
    return "image/jpeg"


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info


def _for_format(image: Image.Image, save_format: str) -> Image.Image:
    if save_format == "JPEG":
        return image if image.mode in {"RGB", "L", "CMYK"} else image.convert("RGB")
    if save_format in {"WEBP", "AVIF"}:
        wanted = "RGBA" if _has_alpha(image) else "RGB"
        return image if image.mode == wanted else image.convert(wanted)
    if save_format == "PNG":
        return (
            image
            if image.mode in {"RGB", "RGBA", "L", "LA", "P", "1", "I;16"}
            else image.convert("RGBA")
        )
    return image


def _encode(image: Image.Image, save_format: str, *, quality: int, **options) -> bytes:
    image_for_format = _for_format(image, save_format)
    if image_for_format.mode != image.mode and image.mode == "CMYK":
        options.pop("icc_profile", None)  # a CMYK profile would be wrong on RGB pixels
    out = io.BytesIO()
    if save_format == "JPEG":
        options.update(quality=quality, optimize=True, progressive=True)
    elif save_format == "WEBP":
        options.update(quality=quality - 8, method=4)
    elif save_format == "AVIF":
        options.update(quality=quality - 25)
    image_for_format.save(out, format=save_format, **options)
    return out.getvalue()


def make_renditions(
    image: Image.Image, save_format: str, widths: list[int], icc_profile: bytes | None = None
) -> list[Rendition]:
    """Smaller copies at each of ``widths`` below the image's own, in a format every browser
    shows and in WebP, plus full-size copies in those formats when the original is in neither.
    Never larger than the original."""
    base = image
    if base.mode in {"P", "PA", "LA", "1", "I", "I;16", "F"}:
        base = base.convert("RGBA" if _has_alpha(base) else "RGB")
    fallback = fallback_mime(save_format, image)
    source_mime = IMAGE_FORMATS.get(save_format, ("", ""))[1]
    mimes = [fallback] if fallback == "image/webp" else [fallback, "image/webp"]
    options = {"icc_profile": icc_profile} if icc_profile else {}
    renditions: list[Rendition] = []
    for width in sorted(w for w in set(widths) if w < base.width):
        height = max(1, round(base.height * width / base.width))
        resized = base.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        for mime in mimes:
            renditions.append(
                Rendition(
                    width,
                    height,
                    mime,
                    _encode(resized, FORMAT_OF_MIME[mime], quality=82, **options),
                )
            )
    for mime in mimes:
        if mime != source_mime:
            data = _encode(base, FORMAT_OF_MIME[mime], quality=85, **options)
            renditions.append(Rendition(base.width, base.height, mime, data))
    return renditions


def open_stored(data: bytes, max_pixels: int) -> Image.Image:
    """Open an original we stored ourselves (for regenerating renditions)."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    image = Image.open(io.BytesIO(data), formats=OPEN_FORMATS)
    image.load()
    return image
