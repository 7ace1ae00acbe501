"""The media library's refusal, without Pillow: importing it costs a worker nothing.

Pillow and its codecs (some 5 MB a process) load only when a file is processed
(:mod:`app.media.processing`): the first upload, import or regeneration, never a page view.
"""

from __future__ import annotations


class MediaError(ValueError):
    """An upload we refuse; the message is meant for the person who uploaded it."""
