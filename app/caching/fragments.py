"""Results that are the same for every visitor until the site changes, kept per worker.

Some parts of a public page do not depend on the request at all: the archive list in the
footer (a GROUP BY and some 150 links), the header menu. Computing them once per *site state*
(``app.caching.generation``) instead of once per page view keeps a page's cost flat even with
the page cache off. The state's tag changes with every public change, on every worker and
server that shares the database, and when a scheduled post's time comes, so what is kept here
is never older than the data it came from.

Only plain values are kept (tuples, strings, ``Markup``), never ORM objects: they outlive the
session that loaded them. Entries are kept per app (tests and tools run several apps in one
process) and keyed on what the caller passes, such as the script root its links start with.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

from app.caching.generation import current_state

T = TypeVar("T")

MAX_ENTRIES = 256  # a handful per state; old states are dropped wholesale when it fills

_lock = threading.Lock()


def per_site_state(name: str, compute: Callable[[], T], *key: Hashable) -> T:
    """``compute()``, run at most once per site state (and ``key``) in this worker and app."""
    kept: dict = current_app.extensions.setdefault("broadside.per_site_state", {})
    full_key = (name, current_state().tag, *key)
    try:
        return kept[full_key]
    except KeyError:
        pass
    value = compute()
    with _lock:
        if len(kept) >= MAX_ENTRIES:
            kept.clear()
        kept[full_key] = value
    return value


# A card and its key take some 3.7 KB (its text twice: shown and in the key). 500 entries, the
# cards of ~30 list pages, add at most ~2 MB to a worker (whose RSS must stay under 100 MB).
MAX_VALUE_ENTRIES = 500


def per_value(
    key: tuple,
    compute: Callable[[], T],
    *,
    store: str = "broadside.per_value",
    limit: int | None = None,
) -> T:
    """``compute()``, run at most once per ``key`` in this worker and app, for results that are a
    pure function of the values in ``key`` (a post card keyed on everything it shows).

    Unlike ``per_site_state`` this needs no site state: a changed value is a new key, so saving
    one post re-renders that post's card only. The least recently used entries go first, at
    most ``limit`` (default ``MAX_VALUE_ENTRIES``) in ``store`` (each kind of value has its own,
    so none crowds out another)."""
    limit = MAX_VALUE_ENTRIES if limit is None else limit
    kept = _kept(store)
    with _lock:
        try:
            value = kept[key]
        except KeyError:
            pass
        else:
            kept.move_to_end(key)
            return value
    value = compute()
    with _lock:
        kept[key] = value
        while len(kept) > limit:
            kept.popitem(last=False)
    return value


def while_equal(
    key: Hashable, inputs: object, compute: Callable[[], T], *, store: str, limit: int
) -> T:
    """``compute()``, kept per ``key`` for as long as it is asked for with equal ``inputs``.

    For results of large values (a post's body) that would cost a pass over each to hash on
    every request: ``key`` is small (the post's id) and ``inputs`` (everything the result is
    made of) are kept beside the result and compared, which for the same text is a memory
    comparison. Different inputs replace the entry. The least recently used of at most
    ``limit`` entries in ``store`` go first."""
    kept = _kept(store)
    with _lock:
        found = kept.get(key)
        if found is not None and found[0] == inputs:
            kept.move_to_end(key)
            return found[1]
    value = compute()
    with _lock:
        kept[key] = (inputs, value)
        kept.move_to_end(key)
        while len(kept) > limit:
            kept.popitem(last=False)
    return value


def _kept(store: str) -> OrderedDict:
    """The entries of ``store`` in this app."""
    extensions = current_app._get_current_object().extensions  # one proxy lookup (~2.5 µs)
    kept: OrderedDict | None = extensions.get(store)
    if kept is None:
        kept = extensions.setdefault(store, OrderedDict())
    return kept
