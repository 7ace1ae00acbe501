"""Worst-case post bodies through render_markdown (Markdown + bleach), CPU seconds each.

Usage: ``make bench`` (runs after the page benchmark) or ``.venv/bin/python bench/bench_sanitizer.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.content.rendering import render_markdown
from bench.worst_cases import WORST_CASES


def main() -> None:
    print(f"{'worst case (200,000 characters)':45} {'CPU s':>7} {'output':>9}")
    for name, body in WORST_CASES.items():
        start = time.process_time()
        html = render_markdown(body)
        elapsed = time.process_time() - start
        print(f"{name:45} {elapsed:7.2f} {len(html):9,}")


if __name__ == "__main__":
    main()
