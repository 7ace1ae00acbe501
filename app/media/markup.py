"""Responsive image markup: ``<picture>`` with a WebP source and an ``<img srcset sizes>``.

Used by the templates (featured images) and when a body is saved (images inserted from the
library), so both give phones small files and reserve the image's space before it loads.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from app.media.library import image_sources
from app.models import MediaItem

# The article column is at most ~46rem wide; cards in lists are narrower on desktops.
ARTICLE_SIZES = "(max-width: 48rem) 100vw, 46rem"
CARD_SIZES = "(max-width: 48rem) 100vw, 20rem"


def picture(
    item: MediaItem,
    *,
    alt: str | None = None,
    sizes: str = ARTICLE_SIZES,
    loading: str = "lazy",
    css_class: str = "",
    max_width: int | None = None,
) -> Markup:
    """The ``<picture>`` element for an image item; ``alt`` overrides the item's alt text."""
    sources = image_sources(item, max_width=max_width)
    alt_text = sources.alt if alt is None else alt
    parts = ["<picture>"]
    if sources.has_webp:
        parts.append(
            f'<source type="image/webp" srcset="{escape(sources.webp_srcset)}" sizes="{escape(sizes)}">'
        )
    attributes = {
        "src": sources.src,
        "srcset": sources.srcset,
        "sizes": sizes,
        "width": str(sources.width),
        "height": str(sources.height),
        "alt": alt_text,
        "loading": loading,
        "decoding": "async",
    }
    if loading == "eager":
        attributes["fetchpriority"] = "high"
    if css_class:
        attributes["class"] = css_class
    parts.append("<img " + " ".join(f'{k}="{escape(v)}"' for k, v in attributes.items()) + ">")
    parts.append("</picture>")
    return Markup("".join(parts))  # noqa: S704 (every value above went through escape())
