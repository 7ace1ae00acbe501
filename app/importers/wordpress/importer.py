"""Import a WordPress export (WXR) into Broadside: one transaction, idempotent, fast.

Two streaming passes over the file: the first collects the small things every post needs
(authors, terms, attachments, the id -> type/slug of every item, the old site's timezone); the
second converts and inserts posts and pages in batches with bulk statements. Nothing is
committed until everything has succeeded; any error (bad XML at item 5,000, a database error,
Ctrl-C) rolls the whole import back and removes files it wrote.

What each old item became is remembered in ``imported_items`` (old site URL + post id / term
id / author login), so running the same export again changes nothing, and a newer export of the
same site updates what changed, leaving alone posts edited here since (unless told otherwise).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, insert, select, update

from app.content import archive_counts, search, term_links
from app.content.pages import page_path
from app.content.publishing import PUBLIC_OR_PRIVATE
from app.content.redirects import MOVED, existing_sources, normalise_source, source_from_url
from app.content.settings import get_setting
from app.content.slugs import first_free, page_slug_problem, slugify
from app.content.taxonomy import default_category
from app.content.text import page_excerpt, plain_text
from app.extensions import db
from app.importers.wordpress.attachments import (
    MediaLibrary,
    MissingFile,
    find_file,
    media_available,
    relative_upload_path,
)
from app.importers.wordpress.content import (
    Attachment,
    ConversionContext,
    Stored,
    convert_batch,
    convert_for_storage,
    init_worker,
    original_file_key,
)
from app.importers.wordpress.wxr import Author, Item, Term, WXRError, WXRReader, count_items
from app.models import (
    Category,
    ImportedItem,
    ImportRun,
    MenuItem,
    Page,
    PageStatus,
    Post,
    PostStatus,
    Redirect,
    Role,
    Tag,
    User,
    post_categories,
    post_tags,
    utcnow,
)

KINDS = (
    "authors",
    "categories",
    "tags",
    "posts",
    "pages",
    "attachments",
    "menu items",
    "comments",
    "redirects",
)
OUTCOMES = ("found", "imported", "updated", "unchanged", "skipped")
UNTITLED = "(no title)"
BATCH = 400
POOL_THRESHOLD = 1000  # bodies; below this, starting worker processes costs more than it saves
ZERO_DATE = "0000-00-00 00:00:00"
STATUS_MAP = {
    "publish": PostStatus.PUBLISHED.value,
    "future": PostStatus.PUBLISHED.value,  # a future date makes it scheduled
    "draft": PostStatus.DRAFT.value,
    "pending": PostStatus.PENDING.value,
    "private": PostStatus.PRIVATE.value,
}


def convert_batch_with(bodies: list[tuple[int, str]], ctx: ConversionContext) -> list[Stored]:
    return [convert_for_storage(content, old_id, ctx) for old_id, content in bodies]


# WordPress feed addresses (path forms under an archive, and ?feed= forms) -> Broadside's feed
# under the same archive: RSS at feed/, Atom at feed/atom/ (app/public/feeds.py).
FEED_VARIANTS = (
    ("feed/", "feed/"),
    ("feed/rss2/", "feed/"),
    ("feed/rss/", "feed/"),
    ("feed/atom/", "feed/atom/"),
)
FEED_QUERIES = (("rss2", "feed/"), ("rss", "feed/"), ("atom", "feed/atom/"))


class ImportFailed(RuntimeError):
    """The import stopped; nothing was changed. The message says which item and why."""


@dataclass
class Options:
    uploads: Path | None = None
    dry_run: bool = False
    default_role: str = Role.AUTHOR.value
    overwrite_local_edits: bool = False
    actor_label: str = "command line"
    timezone: str | None = None  # for dates the export gives only in local time
    jobs: int = 0  # processes converting bodies; 0 = one per CPU (at most 4)


@dataclass
class Report:
    site_url: str = ""
    file_name: str = ""
    counts: dict[str, Counter] = field(default_factory=lambda: {k: Counter() for k in KINDS})
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    skips: list[dict] = field(default_factory=list)
    local_edits: list[dict] = field(default_factory=list)
    unknown_shortcodes: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts[kind][outcome] += n

    def skip(self, kind: str, old_id: object, title: str, reason: str) -> None:
        self.count(kind, "skipped")
        self.skips.append({"kind": kind, "old_id": str(old_id), "title": title, "reason": reason})

    @property
    def changed_anything(self) -> bool:
        return any(self.counts[k]["imported"] or self.counts[k]["updated"] for k in KINDS)

    def as_dict(self) -> dict:
        return {
            "site_url": self.site_url,
            "file_name": self.file_name,
            "dry_run": self.dry_run,
            "counts": {k: {o: self.counts[k][o] for o in OUTCOMES} for k in KINDS},
            "statuses": {k: dict(v) for k, v in self.statuses.items()},
            "skips": self.skips,
            "local_edits": self.local_edits,
            "unknown_shortcodes": dict(self.unknown_shortcodes),
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }

    def lines(self) -> list[str]:
        """The report as text for the terminal."""
        out = [f"{'kind':<12}" + "".join(f"{o:>10}" for o in OUTCOMES)]
        for kind in KINDS:
            out.append(f"{kind:<12}" + "".join(f"{self.counts[kind][o]:>10}" for o in OUTCOMES))
        for kind, statuses in sorted(self.statuses.items()):
            detail = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
            out.append(f"{kind} by status: {detail}")
        if self.unknown_shortcodes:
            detail = ", ".join(f"[{n}] ×{c}" for n, c in self.unknown_shortcodes.most_common())
            out.append(f"Unknown shortcodes kept as text: {detail}")
        for edit in self.local_edits:
            out.append(
                f"Edited here since the last import, not overwritten: {edit['kind']} "
                f"{edit['old_id']} “{edit['title']}”"
            )
        for skip in self.skips:
            out.append(
                f"Skipped {skip['kind']} {skip['old_id']} “{skip['title']}”: {skip['reason']}"
            )
        out.extend(self.notes)
        if not self.changed_anything and not self.dry_run:
            out.append("Nothing changed: the site already matches this export.")
        return out


# ---------------------------------------------------------------------------------------------
# Small helpers


def _checksum(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, ensure_ascii=False).encode()).hexdigest()


def _decode_slug(slug: str) -> str:
    """WordPress keeps non-ASCII slugs percent-encoded; keep the characters so old URLs match."""
    return unquote(slug).strip().strip("/")[:200]


def _login(creator: str) -> str:
    """``dc:creator`` as a login; some exporters leave a stray ``<`` or ``>`` around it."""
    return creator.strip().strip("<>").strip()


def _parse_wp_date(value: str) -> datetime | None:
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


class _Clock:
    """Turns WordPress's local ``post_date`` into UTC when ``post_date_gmt`` is missing."""

    def __init__(self, zone: str | None, offsets: Counter) -> None:
        self.zone = ZoneInfo(zone) if zone else None
        self.offset = timedelta(seconds=offsets.most_common(1)[0][0]) if offsets else None

    def utc(self, item: Item) -> datetime | None:
        gmt = _parse_wp_date(item.post_date_gmt)
        if gmt is not None:
            return gmt.replace(tzinfo=UTC)
        local = _parse_wp_date(item.post_date)
        if local is None:
            return None
        if self.zone is not None:
            return local.replace(tzinfo=self.zone).astimezone(UTC)
        if self.offset is not None:
            return (local - self.offset).replace(tzinfo=UTC)
        site = ZoneInfo(get_setting("site_timezone"))
        return local.replace(tzinfo=site).astimezone(UTC)


@dataclass
class _Light:
    """What the first pass keeps of an item: small, for every item of the file."""

    old_id: int
    post_type: str
    status: str
    slug: str
    link: str
    title: str
    parent: int


@dataclass
class _Scan:
    authors: dict[str, Author] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)
    items: dict[int, _Light] = field(default_factory=dict)
    attachments: dict[int, Item] = field(default_factory=dict)
    menu_items: list[Item] = field(default_factory=list)
    offsets: Counter = field(default_factory=Counter)
    total: int = 0


# ---------------------------------------------------------------------------------------------
# The import


class WordPressImport:
    def __init__(
        self,
        path: str | Path,
        options: Options | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.options = options or Options()
        self.progress = progress or (lambda n: None)
        self.report = Report(file_name=self.path.name, dry_run=self.options.dry_run)
        self.written_files: list[Path] = []
        self.now = utcnow()
        self.current: Item | None = None

    # -- entry point ----------------------------------------------------------------------

    def run(self) -> Report:
        started = time.perf_counter()
        try:
            self._run()
            self.report.seconds = time.perf_counter() - started
            if self.options.dry_run:
                db.session.rollback()
            else:
                db.session.add(
                    ImportRun(
                        source="wordpress",
                        actor_label=self.options.actor_label,
                        file_name=self.path.name,
                        site_url=self.site_url,
                        seconds=self.report.seconds,
                        report=self.report.as_dict(),
                    )
                )
                db.session.commit()
        except BaseException as error:  # incl. KeyboardInterrupt: undo everything
            db.session.rollback()
            self._remove_written_files()
            if isinstance(error, ImportFailed):
                raise
            if isinstance(error, WXRError):
                raise ImportFailed(str(error)) from error
            if isinstance(error, KeyboardInterrupt):
                raise ImportFailed(f"Interrupted {self._where()}; nothing was changed.") from error
            if isinstance(error, Exception):
                raise ImportFailed(
                    f"The import failed {self._where()}: {type(error).__name__}: {error}. "
                    "Nothing was changed."
                ) from error
            raise
        return self.report

    def _where(self) -> str:
        if self.current is None:
            return "before the first post"
        title = (self.current.title or UNTITLED)[:80]
        return f"at {self.current.post_type} {self.current.old_id} “{title}”"

    def _remove_written_files(self) -> None:
        for path in self.written_files:
            path.unlink(missing_ok=True)
        media = getattr(self, "media", None)
        if media is not None:
            media.remove_written_files()

    def _run(self) -> None:
        scan = self._scan()
        self.site_url = self.channel.site_url
        self.report.site_url = self.site_url
        self.clock = _Clock(self.options.timezone, scan.offsets)
        self.site_language = get_setting("site_language")
        self.mapping = self._load_mapping()
        self.new_mappings: list[dict] = []
        self.redirects: dict[str, str] = {}
        self.written_items: set[int] = set()
        self._import_authors(scan)
        self._import_terms(scan)
        self.ctx = self._import_attachments(scan)
        self._import_posts_and_pages(scan)
        self._link_page_parents(scan)
        self._import_menu(scan)
        self._add_redirects(scan)
        self._save_mappings()
        db.session.flush()
        if self.media is not None and self.media_ids:
            self.media.track_usages(
                [pid for old, pid in self.post_ids.items() if old in self.written_items],
                [pid for old, pid in self.page_ids.items() if old in self.written_items],
            )

    # -- pass 1 -----------------------------------------------------------------------------

    def _scan(self) -> _Scan:
        scan = _Scan()
        scan.total = count_items(self.path)
        reader = WXRReader(self.path)
        creators: set[str] = set()
        comments = Counter()
        for entry in reader:
            if isinstance(entry, Author):
                if entry.login:
                    scan.authors.setdefault(entry.login, entry)
            elif isinstance(entry, Term):
                scan.terms.append(entry)
            else:
                item = entry
                scan.items[item.old_id] = _Light(
                    item.old_id,
                    item.post_type,
                    item.status,
                    item.post_name,
                    item.link,
                    item.title[:120],
                    item.post_parent,
                )
                local, gmt = _parse_wp_date(item.post_date), _parse_wp_date(item.post_date_gmt)
                if local and gmt:
                    scan.offsets[int((local - gmt).total_seconds())] += 1
                item.creator = _login(item.creator)
                if item.post_type in ("post", "page") and item.creator:
                    creators.add(item.creator)
                if item.post_type == "attachment":
                    item.content = ""
                    scan.attachments[item.old_id] = item
                elif item.post_type == "nav_menu_item":
                    item.content = ""
                    scan.menu_items.append(item)
                for comment in item.comments:
                    comments["found"] += 1
                    comments["approved"] += comment.approved == "1"
        self.channel = reader.channel
        for login in sorted(creators - scan.authors.keys()):  # WXR 1.0 lists no authors
            scan.authors[login] = Author(login=login, display_name=login)
        if comments["found"]:
            self.report.count("comments", "found", comments["found"])
            self.report.count("comments", "skipped", comments["found"])
            self.report.notes.append(
                f"{comments['found']} comments ({comments['approved']} approved) were not "
                "imported: Broadside has no comments."
            )
        return scan

    # -- mapping ------------------------------------------------------------------------------

    def _load_mapping(self) -> dict[tuple[str, str], ImportedItem]:
        rows = db.session.scalars(
            select(ImportedItem).where(ImportedItem.site_url == self.site_url)
        )
        return {(row.kind, row.old_key): row for row in rows}

    def _remember(self, kind: str, old_key: str, local_id: int, checksum: str, stamp=None) -> None:
        existing = self.mapping.get((kind, old_key))
        if existing is not None:
            existing.local_id = local_id
            existing.checksum = checksum
            existing.local_updated_at = stamp
            return
        self.new_mappings.append(
            {
                "site_url": self.site_url,
                "kind": kind,
                "old_key": old_key,
                "local_id": local_id,
                "checksum": checksum,
                "local_updated_at": stamp,
            }
        )

    def _save_mappings(self) -> None:
        for start in range(0, len(self.new_mappings), 1000):
            db.session.execute(insert(ImportedItem), self.new_mappings[start : start + 1000])

    # -- authors --------------------------------------------------------------------------------

    def _import_authors(self, scan: _Scan) -> None:
        self.user_ids: dict[str, int] = {}
        users_by_email = {
            email: uid for uid, email in db.session.execute(select(User.id, User.email))
        }
        taken_slugs = set(db.session.scalars(select(User.slug)))
        for login, author in scan.authors.items():
            self.report.count("authors", "found")
            checksum = _checksum(author.display_name, author.email)
            known = self.mapping.get(("author", login))
            if known is not None and db.session.get(User, known.local_id) is not None:
                self.user_ids[login] = known.local_id
                self.report.count("authors", "unchanged")
                continue
            email = User.normalise_email(author.email) if "@" in author.email else ""
            if email and email in users_by_email:
                self.user_ids[login] = users_by_email[email]
                self._remember("author", login, users_by_email[email], checksum)
                self.report.count("authors", "unchanged")
                self.report.notes.append(
                    f"Author {login} was matched to the existing account {email}."
                )
                continue
            slug = first_free(slugify(login, max_length=60), taken_slugs)
            taken_slugs.add(slug)
            if not email:
                email = f"{slug}@imported.invalid"
            name = author.display_name.strip() or " ".join(
                p for p in (author.first_name.strip(), author.last_name.strip()) if p
            )
            user = User(
                email=email,
                display_name=(name or login)[:120],
                role=self.options.default_role,
                active=False,
                password_hash=None,
                slug=slug,
            )
            db.session.add(user)
            db.session.flush()
            users_by_email[email] = user.id
            self.user_ids[login] = user.id
            self._remember("author", login, user.id, checksum)
            self.report.count("authors", "imported")
        self.fallback_author_id = next(iter(self.user_ids.values()), None)

    # -- categories and tags -------------------------------------------------------------------

    def _import_terms(self, scan: _Scan) -> None:
        self.category_ids: dict[str, int] = {}  # old slug -> id
        self.category_by_name: dict[str, int] = {}
        self.tag_ids: dict[str, int] = {}
        self.tag_by_name: dict[str, int] = {}
        self.term_old_ids: dict[tuple[str, str], str] = {}
        self.old_category_parent: dict[str, str] = {}
        self.language_terms: set[str] = set()
        default_category()
        for kind, model, taxonomy, ids, by_name in (
            ("categories", Category, "category", self.category_ids, self.category_by_name),
            ("tags", Tag, "post_tag", self.tag_ids, self.tag_by_name),
        ):
            existing = {
                slug: (tid, name)
                for tid, slug, name in db.session.execute(select(model.id, model.slug, model.name))
            }
            taken = set(existing)
            terms = [t for t in scan.terms if t.taxonomy == taxonomy]
            rows_to_update = []
            seen_keys: set[str] = set()
            for term in terms:
                slug = _decode_slug(term.slug) or slugify(term.name)
                key = term.old_id or f"slug:{slug}"
                if key in seen_keys:  # listed twice (as <wp:category> and <wp:term>)
                    continue
                seen_keys.add(key)
                self.report.count(kind, "found")
                self.term_old_ids[(taxonomy, slug)] = term.old_id
                if taxonomy == "category":
                    self.old_category_parent[slug] = _decode_slug(term.parent_slug)
                checksum = _checksum(term.name, slug, term.parent_slug, term.description)
                known = self.mapping.get((taxonomy, key))
                if known is not None and db.session.get(model, known.local_id) is not None:
                    ids[slug] = known.local_id
                    if known.checksum == checksum:
                        self.report.count(kind, "unchanged")
                    else:
                        rows_to_update.append(
                            {
                                "id": known.local_id,
                                "name": term.name[:120],
                                "description": term.description,
                            }
                        )
                        known.checksum = checksum
                        self.report.count(kind, "updated")
                elif slug in existing:
                    ids[slug] = existing[slug][0]
                    self._remember(taxonomy, key, existing[slug][0], checksum)
                    self.report.count(kind, "unchanged")
                else:
                    new_slug = first_free(slug[:140], taken)
                    taken.add(new_slug)
                    new_id = db.session.scalar(
                        insert(model)
                        .values(
                            name=(term.name or new_slug)[:120],
                            slug=new_slug,
                            description=term.description,
                        )
                        .returning(model.id)
                    )
                    existing[new_slug] = (new_id, term.name)
                    ids[slug] = new_id
                    self._remember(taxonomy, key, new_id, checksum)
                    self.report.count(kind, "imported")
                by_name[term.name.casefold()] = ids[slug]
            if rows_to_update:
                db.session.execute(update(model), rows_to_update)
        # The category tree, now that every category has an id.
        parent_rows = [
            {"id": cid, "parent_id": self.category_ids.get(self.old_category_parent.get(slug, ""))}
            for slug, cid in self.category_ids.items()
            if self.old_category_parent.get(slug)
        ]
        if parent_rows:
            db.session.execute(
                update(Category), [r for r in parent_rows if r["parent_id"] != r["id"]]
            )
        for term in scan.terms:
            if term.taxonomy == "language":
                self.language_terms.add(term.slug)

    # -- attachments ------------------------------------------------------------------------------

    def _import_attachments(self, scan: _Scan) -> ConversionContext:
        """Files from ``--uploads`` become media items; references to them are rewritten."""
        ctx = ConversionContext()
        self.media_ids: dict[int, int] = {}
        self.media_urls: dict[int, str] = {}
        library = MediaLibrary() if media_available() else None
        self.media = library
        for old_id, item in scan.attachments.items():
            self.current = item
            self.report.count("attachments", "found")
            attachment = Attachment(
                url=item.attachment_url,
                title=item.title,
                alt=item.meta.get("_wp_attachment_image_alt", ""),
                caption=item.excerpt,
            )
            ctx.attachments[old_id] = attachment
            if item.post_parent:
                ctx.attachments_by_parent.setdefault(item.post_parent, []).append(old_id)
            stored = self._store_attachment(library, item)
            if stored is None:
                continue
            attachment.url = stored.url
            attachment.thumbnail_url = stored.thumbnail_url
            self.media_ids[old_id] = stored.media_id
            self.media_urls[old_id] = stored.url
            ctx.file_urls[original_file_key(item.attachment_url)] = stored.url
        self.current = None
        return ctx

    def _store_attachment(self, library: MediaLibrary | None, item: Item):
        title = item.title or relative_upload_path(item)
        if library is None:
            self.report.skip(
                "attachments", item.old_id, title, "the media library is not available"
            )
            return None
        checksum = _checksum(
            item.attachment_url, item.title, item.excerpt, sorted(item.meta.items())
        )
        known = self.mapping.get(("attachment", str(item.old_id)))
        if known is not None:
            stored = library.existing(known.local_id)
            if stored is not None:
                self.report.count("attachments", "unchanged")
                return stored
        if self.options.uploads is None:
            self.report.skip(
                "attachments", item.old_id, title,
                "no --uploads folder given (references keep the old file address)",
            )  # fmt: skip
            return None
        try:
            path = find_file(self.options.uploads, item)
        except MissingFile as missing:
            self.report.skip("attachments", item.old_id, title, str(missing))
            return None
        if self.options.dry_run:
            self.report.count("attachments", "imported")
            return None
        uploader_id = self.user_ids.get(_login(item.creator))
        uploader = db.session.get(User, uploader_id) if uploader_id else None
        try:
            with db.session.begin_nested():
                stored = library.store(path, item, uploader)
        except library.library.MediaError as refused:
            self.report.skip("attachments", item.old_id, title, f"refused: {refused}")
            return None
        self._remember("attachment", str(item.old_id), stored.media_id, checksum)
        self.report.count("attachments", "imported")
        return stored

    # -- posts and pages -------------------------------------------------------------------------

    def _import_posts_and_pages(self, scan: _Scan) -> None:
        self.post_ids: dict[int, int] = {}
        self.page_ids: dict[int, int] = {}
        self.page_parents: dict[int, int] = {}
        self.post_slugs = set(db.session.scalars(select(Post.slug)))
        self.page_slugs = set(db.session.scalars(select(Page.slug)))
        self.default_category_id = default_category().id
        self._convert_and_write(scan)

    def _convert_and_write(self, scan: _Scan) -> None:
        """Read, plan and write posts in batches; bodies are converted in worker processes.

        The main process parses and writes while workers run wpautop and the sanitiser on the
        previous batches (the expensive part), so the two overlap. Small imports and
        ``jobs=1`` convert inline.
        """
        bodies_total = sum(
            1 for light in scan.items.values() if light.post_type in ("post", "page")
        )
        jobs = self.options.jobs or min(4, os.cpu_count() or 1)
        pool = None
        if jobs > 1 and bodies_total >= POOL_THRESHOLD:
            context = multiprocessing.get_context("fork" if os.name == "posix" else None)
            pool = context.Pool(jobs, initializer=init_worker, initargs=(self.ctx,))
        pending: deque = deque()
        try:
            batch: list[Item] = []
            for entry in WXRReader(self.path):
                if not isinstance(entry, Item):
                    continue
                self.progress(1)
                if entry.post_type not in ("post", "page"):
                    continue
                self.current = entry
                batch.append(entry)
                if len(batch) >= BATCH:
                    pending.append(self._plan_and_convert(batch, pool))
                    batch = []
                    while len(pending) > (jobs if pool else 0):
                        self._write_batch(*pending.popleft())
            if batch:
                pending.append(self._plan_and_convert(batch, pool))
            while pending:
                self._write_batch(*pending.popleft())
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()

    def _plan_and_convert(self, items: list[Item], pool):
        plan = self._plan(items)
        bodies = [(item.old_id, item.content) for item, *_rest in plan]
        for item, *_rest in plan:
            item.content = ""  # converted below; keeps memory flat while batches queue up
        if pool is None:
            return plan, convert_batch_with(bodies, self.ctx)
        return plan, pool.apply_async(convert_batch, (bodies,))

    def _plan(self, items: list[Item]) -> list[tuple[Item, str, str, ImportedItem | None]]:
        """Count and sort out a batch: what is unchanged, skipped, or to be written."""
        plan: list[tuple[Item, str, str, ImportedItem | None]] = []
        known_posts = [
            self.mapping.get(("post", str(i.old_id))) for i in items if i.post_type == "post"
        ]
        known_pages = [
            self.mapping.get(("page", str(i.old_id))) for i in items if i.post_type == "page"
        ]
        stamps = self._current_stamps(Post, [k.local_id for k in known_posts if k])
        stamps.update(
            {
                ("page", k): v
                for k, v in self._current_stamps(
                    Page, [k.local_id for k in known_pages if k]
                ).items()
            }
        )
        for item in items:
            self.current = item
            kind = "posts" if item.post_type == "post" else "pages"
            map_kind = item.post_type
            self.report.count(kind, "found")
            self.report.statuses[kind][item.status or "unknown"] += 1
            status = STATUS_MAP.get(item.status)
            if status is None:
                reason = {
                    "trash": "in the trash",
                    "auto-draft": "an empty automatic draft",
                    "inherit": "a revision",
                }.get(item.status, f"unknown status “{item.status}”")
                self.report.skip(kind, item.old_id, item.title, reason)
                continue
            checksum = _checksum(
                item.title, item.content, item.excerpt, item.status, item.post_name,
                item.post_date, item.post_date_gmt, item.post_parent, item.menu_order,
                item.password, item.is_sticky, sorted(item.terms), item.creator,
            )  # fmt: skip
            known = self.mapping.get((map_kind, str(item.old_id)))
            model = Post if map_kind == "post" else Page
            if known is not None:
                stamp_key = known.local_id if model is Post else ("page", known.local_id)
                if stamp_key not in stamps:
                    known = None  # deleted here since: import it again
            if known is not None:
                (self.post_ids if model is Post else self.page_ids)[item.old_id] = known.local_id
                if model is Page and item.post_parent:
                    self.page_parents[item.old_id] = item.post_parent
                if known.checksum == checksum:
                    self.report.count(kind, "unchanged")
                    continue
                current_stamp = stamps[stamp_key]
                if (
                    current_stamp != known.local_updated_at
                    and not self.options.overwrite_local_edits
                ):
                    self.report.count(kind, "skipped")
                    self.report.local_edits.append(
                        {"kind": kind, "old_id": item.old_id, "title": item.title}
                    )
                    continue
            plan.append((item, status, checksum, known))
        return plan

    def _write_batch(self, plan: list, converted) -> None:
        stored_list = converted if isinstance(converted, list) else converted.get()
        posts_new: list[tuple[Item, dict, str]] = []
        posts_changed: list[tuple[Item, dict, str, ImportedItem]] = []
        pages_new: list[tuple[Item, dict, str]] = []
        pages_changed: list[tuple[Item, dict, str, ImportedItem]] = []
        for (item, status, checksum, known), stored in zip(plan, stored_list, strict=True):
            self.current = item
            model = Post if item.post_type == "post" else Page
            row = self._row(item, status, model, known, stored)
            if row is None:
                continue
            if model is Post:
                (
                    posts_changed.append((item, row, checksum, known))
                    if known
                    else posts_new.append((item, row, checksum))
                )
            else:
                (
                    pages_changed.append((item, row, checksum, known))
                    if known
                    else pages_new.append((item, row, checksum))
                )
        self._flush_posts(posts_new, posts_changed)
        self._flush_pages(pages_new, pages_changed)

    def _current_stamps(self, model, ids: list[int]) -> dict:
        if not ids:
            return {}
        return dict(
            db.session.execute(select(model.id, model.updated_at).where(model.id.in_(ids))).all()
        )

    def _row(
        self, item: Item, status: str, model, known: ImportedItem | None, stored: Stored
    ) -> dict | None:
        self.report.unknown_shortcodes.update(stored.unknown_shortcodes)
        title = item.title if item.title.strip() else UNTITLED
        when = self.clock.utc(item)
        slugs = self.post_slugs if model is Post else self.page_slugs
        current_slug = None
        if known is not None:
            current_slug = db.session.scalar(select(model.slug).where(model.id == known.local_id))
        slug = _decode_slug(item.post_name)
        if not slug:
            slug = slugify(title) if item.title.strip() else f"{item.post_type}-{item.old_id}"
        if model is Page and page_slug_problem(slug):
            slug = f"{slug}-page"
        if current_slug is not None and (current_slug == slug or slug not in slugs):
            slugs.discard(current_slug)
        slug = first_free(slug[:190], slugs)
        slugs.add(slug)
        body_html = stored.html
        row = {
            "title": title[:300],
            "slug": slug,
            "body_source": stored.source,
            "body_html": body_html,
            "status": status,
            "language": self._language(item),
            "updated_at": self.now,
        }
        author_id = self.user_ids.get(_login(item.creator), self.fallback_author_id)
        if model is Post:
            if author_id is None:
                self.report.skip("posts", item.old_id, item.title, "it has no author")
                return None
            custom = plain_text(item.excerpt) or stored.teaser
            row.update(
                custom_excerpt=custom or None,
                excerpt=custom or stored.excerpt,
                author_id=author_id,
                published_at=when if status in PUBLIC_OR_PRIVATE else None,
                created_at=when or self.now,
                sticky=item.is_sticky,
                password=item.password or None,
            )
            if self.media is not None:
                thumbnail = item.meta.get("_thumbnail_id", "").strip()
                row["featured_media_id"] = (
                    self.media_ids.get(int(thumbnail)) if thumbnail.isdigit() else None
                )
            if status in (PostStatus.PUBLISHED, PostStatus.PRIVATE) and row["published_at"] is None:
                row["published_at"] = self.now
        else:
            row["excerpt"] = page_excerpt(body_html)  # written in bulk: no listener sees it
            if item.password:
                row["status"] = PageStatus.DRAFT.value
                self.report.notes.append(
                    f"Page {item.old_id} “{item.title}” was password-protected; pages have no "
                    "passwords here, so it was imported as a draft."
                )
            elif status not in list(PageStatus):
                # Pages are drafts or published: no review step, no staff-only state.
                row["status"] = PageStatus.DRAFT.value
                self.report.notes.append(
                    f"Page {item.old_id} “{item.title}” was {item.status} in WordPress; pages "
                    "here are drafts or published, so it was imported as a draft."
                )
            row.update(
                menu_order=item.menu_order,
                author_id=author_id,
                created_at=when or self.now,
            )
        return row

    def _language(self, item: Item) -> str:
        for taxonomy, slug, _name in item.terms:
            if taxonomy == "language" and slug:
                return slug[:35]
        return self.site_language

    def _term_ids(self, item: Item) -> tuple[list[int], list[int]]:
        categories: list[int] = []
        tags: list[int] = []
        for taxonomy, slug, name in item.terms:
            slug = _decode_slug(slug)
            if taxonomy == "category":
                cid = self.category_ids.get(slug) if slug else None
                cid = cid or (None if slug else self.category_by_name.get(name.casefold()))
                if cid and cid not in categories:
                    categories.append(cid)
            elif taxonomy == "post_tag":
                tid = self.tag_ids.get(slug) if slug else self.tag_by_name.get(name.casefold())
                if tid is None:
                    tid = self._create_tag(slug, name)
                if tid not in tags:
                    tags.append(tid)
        return categories or [self.default_category_id], tags

    def _create_tag(self, slug: str, name: str) -> int:
        """A tag used by a post but missing from the export's tag list (WXR 1.0 does that)."""
        slug = slug or slugify(name)
        same = db.session.scalar(select(Tag.id).where(Tag.slug == slug))
        if same is not None:
            self.tag_ids[slug] = same
            return same
        taken = set(db.session.scalars(select(Tag.slug).where(Tag.slug.like(f"{slug}%"))))
        new_slug = first_free(slug, taken)
        tid = db.session.scalar(
            insert(Tag)
            .values(name=(name or new_slug)[:120], slug=new_slug, description="")
            .returning(Tag.id)
        )
        self.tag_ids[slug or new_slug] = tid
        self.tag_by_name[name.casefold()] = tid
        self.report.count("tags", "found")
        self.report.count("tags", "imported")
        return tid

    def _flush_posts(self, new: list, changed: list) -> None:
        self.written_items.update(item.old_id for item, *_rest in [*new, *changed])
        if new:
            ids = list(
                db.session.scalars(
                    insert(Post).returning(Post.id, sort_by_parameter_order=True),
                    [row for _item, row, _c in new],
                )
            )
            for (item, _row, checksum), pid in zip(new, ids, strict=True):
                self.post_ids[item.old_id] = pid
                self._remember("post", str(item.old_id), pid, checksum, self.now)
                self.report.count("posts", "imported")
        if changed:
            # Core UPDATE, not the ORM's bulk update by primary key: that one insists on each
            # post's optimistic-lock version. An import is a save, so the version moves on and
            # an editor with the post open gets the conflict page instead of overwriting it.
            posts = Post.__table__
            db.session.execute(
                update(posts)
                .where(posts.c.id == bindparam("b_post_id"))
                .values(version=posts.c.version + 1),
                [{"b_post_id": known.local_id, **row} for _i, row, _c, known in changed],
            )
            for item, _row, checksum, known in changed:
                self.post_ids[item.old_id] = known.local_id
                self._remember("post", str(item.old_id), known.local_id, checksum, self.now)
                self.report.count("posts", "updated")
            changed_ids = [known.local_id for *_rest, known in changed]
            db.session.execute(
                delete(post_categories).where(post_categories.c.post_id.in_(changed_ids))
            )
            db.session.execute(delete(post_tags).where(post_tags.c.post_id.in_(changed_ids)))
        links_c, links_t = [], []
        for item, *_rest in [*new, *changed]:
            pid = self.post_ids[item.old_id]
            cats, tags = self._term_ids(item)
            links_c.extend({"post_id": pid, "category_id": c} for c in cats)
            links_t.extend({"post_id": pid, "tag_id": t} for t in tags)
            self.report.statuses["posts imported as"][self._status_label(_rest[0])] += 1
        if links_c:
            db.session.execute(insert(post_categories), links_c)
        if links_t:
            db.session.execute(insert(post_tags), links_t)
        # Bulk statements pass the session listeners by: index the posts and give their links
        # the posts' dates (app.content.term_links) here.
        written = [self.post_ids[item.old_id] for item, *_ in [*new, *changed]]
        search.index_posts(db.session.connection(), written)
        term_links.sync_link_dates(db.session.connection(), written)
        archive_counts.mark_stale(db.session.connection())  # recounted at the next read

    def _status_label(self, row: dict) -> str:
        if (
            row["status"] == PostStatus.PUBLISHED
            and row.get("published_at")
            and row["published_at"] > self.now
        ):
            return "scheduled"
        if row.get("password"):
            return f"{row['status']} (password)"
        return row["status"]

    def _flush_pages(self, new: list, changed: list) -> None:
        self.written_items.update(item.old_id for item, *_rest in [*new, *changed])
        if new:
            ids = list(
                db.session.scalars(
                    insert(Page).returning(Page.id, sort_by_parameter_order=True),
                    [row for _item, row, _c in new],
                )
            )
            for (item, _row, checksum), pid in zip(new, ids, strict=True):
                self.page_ids[item.old_id] = pid
                if item.post_parent:
                    self.page_parents[item.old_id] = item.post_parent
                self._remember("page", str(item.old_id), pid, checksum, self.now)
                self.report.count("pages", "imported")
        if changed:
            db.session.execute(
                update(Page), [{"id": known.local_id, **row} for _i, row, _c, known in changed]
            )
            for item, _row, checksum, known in changed:
                self.page_ids[item.old_id] = known.local_id
                if item.post_parent:
                    self.page_parents[item.old_id] = item.post_parent
                self._remember("page", str(item.old_id), known.local_id, checksum, self.now)
                self.report.count("pages", "updated")
        search.index_pages(
            db.session.connection(), [self.page_ids[item.old_id] for item, *_ in [*new, *changed]]
        )

    def _link_page_parents(self, scan: _Scan) -> None:
        rows = []
        for old_id, local_id in self.page_ids.items():
            parent_old = self.page_parents.get(old_id)
            parent = self.page_ids.get(parent_old) if parent_old else None
            rows.append({"id": local_id, "parent_id": parent})
        if rows:
            db.session.execute(update(Page), rows)
        self.current = None

    # -- menu ---------------------------------------------------------------------------------------

    def _import_menu(self, scan: _Scan) -> None:
        items = scan.menu_items
        for _ in items:
            self.report.count("menu items", "found")
        if not items:
            return
        if db.session.scalar(select(MenuItem.id).limit(1)) is not None:
            for item in items:
                self.report.skip(
                    "menu items", item.old_id, item.title, "the site already has a header menu"
                )
            return
        chosen = self._header_menu(items)
        position = 0
        for item in sorted(items, key=lambda i: i.menu_order):
            in_menu = any(tax == "nav_menu" and slug == chosen for tax, slug, _n in item.terms)
            label = item.title.strip() or None
            if not in_menu:
                self.report.skip(
                    "menu items",
                    item.old_id,
                    label or "",
                    f"not in the menu “{chosen}” chosen as header menu",
                )
                continue
            if item.meta.get("_menu_item_menu_item_parent", "0") not in ("", "0"):
                self.report.skip(
                    "menu items",
                    item.old_id,
                    label or "",
                    "sub-menus are not supported by the header menu",
                )
                continue
            kind = item.meta.get("_menu_item_object", "")
            target = int(item.meta.get("_menu_item_object_id", "0") or 0)
            row = None
            if kind == "page" and target in self.page_ids:
                row = {"page_id": self.page_ids[target]}
            elif kind == "category":
                slug = next(
                    (
                        s
                        for (tax, s), oid in self.term_old_ids.items()
                        if tax == "category" and oid == str(target)
                    ),
                    None,
                )
                if slug is not None and slug in self.category_ids:
                    row = {"category_id": self.category_ids[slug]}
            if row is None:
                reason = (
                    "custom links are not supported by the header menu"
                    if item.meta.get("_menu_item_type") == "custom"
                    else f"its target ({kind} {target}) was not imported"
                )
                self.report.skip("menu items", item.old_id, label or "", reason)
                continue
            db.session.execute(
                insert(MenuItem).values(
                    position=position, label=label[:120] if label else None, **row
                )
            )
            position += 1
            self.report.count("menu items", "imported")

    def _menu_target(self, item: Item) -> dict | None:
        kind = item.meta.get("_menu_item_object", "")
        target = item.meta.get("_menu_item_object_id", "0") or "0"
        if kind == "page" and target.isdigit() and int(target) in self.page_ids:
            return {"page_id": self.page_ids[int(target)]}
        if kind == "category":
            for (taxonomy, slug), old_id in self.term_old_ids.items():
                if taxonomy == "category" and old_id == target and slug in self.category_ids:
                    return {"category_id": self.category_ids[slug]}
        return None

    def _header_menu(self, items: list[Item]) -> str:
        """The old menu that can best become the header: most top-level pages and categories."""
        score: Counter = Counter()
        for item in items:
            for taxonomy, slug, _name in item.terms:
                if taxonomy == "nav_menu":
                    score[slug] += 0
                    top = item.meta.get("_menu_item_menu_item_parent", "0") in ("", "0")
                    if top and self._menu_target(item) is not None:
                        score[slug] += 1
        if not score:
            return ""
        named = ("main", "primary", "header", "top")
        return max(score, key=lambda m: (score[m], any(w in m for w in named)))

    # -- redirects ---------------------------------------------------------------------------------

    def _add_redirects(self, scan: _Scan) -> None:
        from app.content.redirects import post_path

        wanted: dict[str, str] = {}

        def add(old: str, new: str | None) -> None:
            if not new:
                return
            key = source_from_url(old) if "://" in old or old.startswith("/") else old
            if key == "/" or key == normalise_source(new):
                return
            wanted.setdefault(key, new)

        def add_archive(old: str, new: str, query: dict[str, str] | None = None) -> None:
            """An archive's old address and its feeds' (``feed/``, ``feed/rss2/``,
            ``feed/atom/`` and the ``?feed=`` form) -> the archive and its RSS / Atom feed."""
            add(old, new)
            old = old.rstrip("/") + "/"
            for variant, target in FEED_VARIANTS:
                add(old + variant, new + target)
            if query:
                add(normalise_source(base_path + "/", query), new)
                for name, target in FEED_QUERIES:
                    add(normalise_source(base_path + "/", {**query, "feed": name}), new + target)

        base_path = urlsplit(self.site_url).path.rstrip("/")
        # The whole site's feeds, whatever form subscribers have.
        add_archive(base_path + "/", "/")
        for name, target in FEED_QUERIES:
            add(normalise_source(base_path + "/", {"feed": name}), "/" + target)

        timezone = get_setting("site_timezone")
        published = {"publish"}
        post_rows = {}
        if self.post_ids:
            for pid, slug, when in db.session.execute(
                select(Post.id, Post.slug, Post.published_at).where(
                    Post.id.in_(list(self.post_ids.values()))
                )
            ):
                post_rows[pid] = post_path(slug, when, timezone)
        pages = {p.id: p for p in db.session.scalars(select(Page))}
        for old_id, light in scan.items.items():
            if light.status not in published:
                continue
            if light.post_type == "post" and old_id in self.post_ids:
                new = post_rows.get(self.post_ids[old_id])
                add(light.link, new)
                add(normalise_source(base_path + "/", {"p": str(old_id)}), new)
            elif light.post_type == "page" and old_id in self.page_ids:
                page = pages.get(self.page_ids[old_id])
                new = page_path(page, pages) if page else None
                add(light.link, new)
                add(normalise_source(base_path + "/", {"page_id": str(old_id)}), new)
                add(normalise_source(base_path + "/", {"p": str(old_id)}), new)
        for old_id, item in scan.attachments.items():
            parent = scan.items.get(item.post_parent)
            new = None
            if (
                parent is not None
                and parent.post_type == "post"
                and item.post_parent in self.post_ids
            ):
                new = post_rows.get(self.post_ids[item.post_parent])
            elif (
                parent is not None
                and parent.post_type == "page"
                and item.post_parent in self.page_ids
            ):
                page = pages.get(self.page_ids[item.post_parent])
                new = page_path(page, pages) if page else None
            new = new or self.media_urls.get(old_id) or item.attachment_url or None
            if new:
                add(item.link, new)
                add(normalise_source(base_path + "/", {"attachment_id": str(old_id)}), new)
        # Category and tag archives; WordPress nests category addresses by parent.
        for slug, cid in self.category_ids.items():
            new_slug = db.session.scalar(select(Category.slug).where(Category.id == cid))
            chain = [slug]
            seen = {slug}
            parent = self.old_category_parent.get(slug)
            while parent and parent not in seen:
                seen.add(parent)
                chain.append(parent)
                parent = self.old_category_parent.get(parent)
            old_id = self.term_old_ids.get(("category", slug))
            add_archive(
                f"{base_path}/category/{'/'.join(reversed(chain))}/",
                f"/category/{new_slug}/",
                {"cat": old_id} if old_id else None,
            )
        for slug, tid in self.tag_ids.items():
            new_slug = db.session.scalar(select(Tag.slug).where(Tag.id == tid))
            add_archive(f"{base_path}/tag/{slug}/", f"/tag/{new_slug}/", {"tag": slug})
        for login, uid in self.user_ids.items():
            user_slug = db.session.scalar(select(User.slug).where(User.id == uid))
            author = scan.authors.get(login)
            add_archive(
                f"{base_path}/author/{login}/",
                f"/author/{user_slug}/",
                {"author": author.old_id} if author is not None and author.old_id else None,
            )
        self._store_redirects(wanted)

    def _store_redirects(self, wanted: dict[str, str]) -> None:
        present = {
            r.source: r
            for chunk in _chunks(list(wanted), 500)
            for r in db.session.scalars(select(Redirect).where(Redirect.source.in_(chunk)))
        }
        new_rows = []
        for key, target in wanted.items():
            self.report.count("redirects", "found")
            existing = present.get(key)
            if existing is None:
                new_rows.append(
                    {
                        "source": key[:1000],
                        "target": target[:1000],
                        "status_code": MOVED,
                        "origin": "import",
                        "hits": 0,
                        "created_at": self.now,
                    }
                )
                self.report.count("redirects", "imported")
            elif existing.target == target and existing.status_code == MOVED:
                self.report.count("redirects", "unchanged")
            elif existing.origin == "import":
                existing.target, existing.status_code = target, MOVED
                self.report.count("redirects", "updated")
            else:
                self.report.skip(
                    "redirects", key, key, "a redirect set by staff already uses this address"
                )
        for chunk in _chunks(new_rows, 1000):
            db.session.execute(insert(Redirect), chunk)


def _chunks(values: list, size: int) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def import_wordpress(
    path: str | Path, options: Options | None = None, progress: Callable[[int], None] | None = None
) -> Report:
    """Import ``path``; raises :class:`ImportFailed` (with nothing changed) when it cannot."""
    return WordPressImport(path, options, progress).run()


def items_in(path: str | Path) -> int:
    return count_items(path)


__all__ = ["ImportFailed", "Options", "Report", "existing_sources", "import_wordpress", "items_in"]
