"""Typed SQLAlchemy models. No request code lives here."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Store naive UTC in the database, hand out timezone-aware UTC datetimes.

    SQLite has no timezone type; keeping UTC everywhere makes both backends behave the same.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Role(enum.StrEnum):
    CONTRIBUTOR = "contributor"
    AUTHOR = "author"
    EDITOR = "editor"
    ADMIN = "admin"


class PostStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # submitted for review by a contributor
    PUBLISHED = "published"
    PRIVATE = "private"  # visible only to signed-in staff (WordPress "private")


class PageStatus(enum.StrEnum):
    """Pages have no review step and no staff-only state: a draft or published."""

    DRAFT = "draft"
    PUBLISHED = "published"


def one_of(name: str, column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    """A CHECK that ``column`` holds one of ``values``: the database refuses any other string."""
    allowed = ", ".join(f"'{value.value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_slug", "slug", unique=True),
        one_of("ck_users_role", "role", Role),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    # None until an invited person accepts the invitation and chooses a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.AUTHOR.value)
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Base32 TOTP secret; two-factor sign-in is on only once ``two_factor_enabled`` is set.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    two_factor_enabled: Mapped[bool] = mapped_column(default=False)
    # The last accepted TOTP time step, so a code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    slug: Mapped[str | None] = mapped_column(String(120))
    bio: Mapped[str] = mapped_column(Text, default="", server_default="")

    posts: Mapped[list[Post]] = relationship(back_populates="author")

    @property
    def invitation_pending(self) -> bool:
        return self.password_hash is None

    @staticmethod
    def normalise_email(email: str) -> str:
        """Emails are unique case-insensitively; store them lower-cased and trimmed."""
        return email.strip().lower()

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # The version lets a password change or deactivation end existing sessions.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


LINK_PUBLISHED_ONLY = "published_at IS NOT NULL"


def _published_link_index(name: str, term_column: str) -> Index:
    """A term's published posts, newest first: the order of its archive (partial: links of
    drafts and other unpublished posts are left out)."""
    where = text(LINK_PUBLISHED_ONLY)
    return Index(
        name, term_column, "published_at", "post_id", postgresql_where=where, sqlite_where=where
    )


post_categories = Table(
    "post_categories",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
    # The post's date while it is published, else NULL (app.content.visibility
    # ``link_published_at``; kept in step by app.content.term_links), so that an archive walks
    # its own term's index newest-first instead of every post's date probing the link.
    Column("published_at", UTCDateTime, nullable=True),
    Index("ix_post_categories_category_id", "category_id"),
    _published_link_index("ix_post_categories_public", "category_id"),
)

post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Column("published_at", UTCDateTime, nullable=True),  # as post_categories.published_at
    Index("ix_post_tags_tag_id", "tag_id"),
    _published_link_index("ix_post_tags_public", "tag_id"),
)


class Category(db.Model):
    """A hierarchical section of the site, such as "Reports" > "Annual reports"."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    parent: Mapped[Category | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<Tag {self.slug}>"


PUBLISHED_ONLY = "status = 'published'"


def _public_index(name: str, *columns: str) -> Index:
    """An index of published posts only (drafts never slow the public lists)."""
    where = text(PUBLISHED_ONLY)
    return Index(name, *columns, postgresql_where=where, sqlite_where=where)


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_status_published_at", "status", "published_at"),
        Index("ix_posts_author_published_at", "author_id", "published_at"),
        # The staff list: newest first, all or one status.
        Index("ix_posts_created_at", "created_at", "id"),
        Index("ix_posts_status_created_at", "status", "created_at", "id"),
        Index("ix_posts_translation_group", "translation_group"),
        # Public lists (app/content/listing.py): partial indexes on published posts, each
        # matching a list's filter and its full ORDER BY published_at DESC, id DESC.
        _public_index("ix_posts_public_date", "published_at", "id"),
        _public_index("ix_posts_public_sticky", "sticky", "published_at", "id"),
        _public_index("ix_posts_public_language", "language", "published_at", "id"),
        _public_index("ix_posts_public_author", "author_id", "published_at", "id"),
        one_of("ck_posts_status", "status", PostStatus),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    # active_history: the old slug/date/status are known at flush time even if never loaded,
    # so an address change can leave a redirect behind (app.content.redirects).
    slug: Mapped[str] = mapped_column(String(200), unique=True, active_history=True)
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    custom_excerpt: Mapped[str | None] = mapped_column(Text)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(
        String(20), default=PostStatus.DRAFT.value, active_history=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, active_history=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    language: Mapped[str] = mapped_column(String(35), default="en", server_default="en")
    # Posts that are translations of each other share a group number (the id of the first one).
    translation_group: Mapped[int | None] = mapped_column(Integer)
    byline_name: Mapped[str | None] = mapped_column(String(200))
    source_name: Mapped[str | None] = mapped_column(String(200))
    source_url: Mapped[str | None] = mapped_column(String(1000))
    source_published_on: Mapped[date | None] = mapped_column(Date)
    sticky: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    featured_media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_items.id", ondelete="SET NULL"), index=True
    )
    # WordPress-style post password: a shared access code (not an account secret) that editors
    # see and can change in the post form, so it is kept as entered, like WordPress does.
    password: Mapped[str | None] = mapped_column(String(255))
    # Search engines and link previews (app/public/metadata.py): an optional title and
    # description instead of the title and excerpt, and "hidden from search engines" (noindex,
    # left out of the sitemaps).
    seo_title: Mapped[str | None] = mapped_column(String(300))
    seo_description: Mapped[str | None] = mapped_column(String(500))
    noindex: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Optimistic locking: every UPDATE says "WHERE version = <the version this copy was loaded
    # at>", so a save based on an older copy fails instead of overwriting a colleague's work.
    # Only saves of the content raise it (app.content.revisions.bump_version).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    author: Mapped[User] = relationship(back_populates="posts")
    # Joined into every post query, so list pages show featured images without extra queries.
    featured_media: Mapped[MediaItem | None] = relationship(lazy="joined")
    categories: Mapped[list[Category]] = relationship(
        secondary=post_categories, order_by="Category.name"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, order_by="Tag.name")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012

    @property
    def is_protected(self) -> bool:
        """Password-protected: title public, body and excerpt only after the password."""
        return bool(self.password)

    def __repr__(self) -> str:
        return f"<Post {self.slug} {self.status}>"


class SiteSetting(db.Model):
    """Settings admins change in the browser; the environment only supplies the defaults."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


# The footer's archive list as stored counts (app/content/archive_counts.py): published posts,
# scheduled ones included, per month ("2026-11") of the site's calendar, kept in step by a flush
# listener; and, in its one row (id 1), the timezone those months are in. No row, or a NULL
# timezone, means the counts are stale and the next read rebuilds them from the posts.
archive_month_counts = Table(
    "archive_month_counts",
    db.metadata,
    Column("month", String(7), primary_key=True),
    Column("posts", Integer, nullable=False),
)
archive_counts_state = Table(
    "archive_counts_state",
    db.metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("timezone", String(64)),
)


class Page(db.Model):
    """A standing page such as "About us"; never listed with posts or in feeds."""

    __tablename__ = "pages"
    __table_args__ = (
        Index("ix_pages_parent_menu_order", "parent_id", "menu_order"),
        one_of("ck_pages_status", "status", PageStatus),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(200), unique=True, active_history=True)
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The first words of the text, derived from ``body_html`` whenever it is set
    # (app.content.pages ``install_listeners``): the page's description, read per view.
    excerpt: Mapped[str] = mapped_column(Text, default="", server_default="")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="SET NULL"), active_history=True
    )
    menu_order: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(
        String(20), default=PageStatus.DRAFT.value, active_history=True
    )
    language: Mapped[str] = mapped_column(String(35), default="en")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    featured_media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_items.id", ondelete="SET NULL"), index=True
    )

    # Search engines and link previews (app/public/metadata.py): an optional title and
    # description instead of the title and excerpt, and "hidden from search engines" (noindex,
    # left out of the sitemaps).
    seo_title: Mapped[str | None] = mapped_column(String(300))
    seo_description: Mapped[str | None] = mapped_column(String(500))
    noindex: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    parent: Mapped[Page | None] = relationship(remote_side=[id])
    featured_media: Mapped[MediaItem | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Page {self.slug}>"


# The search index (app/content/search.py): one row per post and page, holding the visible text
# (HTML stripped) that is searched and shown in result snippets. PostgreSQL keeps a weighted
# ``tsvector`` built with the language's text-search configuration, under a GIN index; SQLite
# leaves that column empty and indexes the row in FTS5 tables (``search_fts``, and
# ``search_fts_titles`` for the titles alone) kept in step by triggers. Rows go with their post
# or page (ON DELETE CASCADE).
search_documents = Table(
    "search_documents",
    db.metadata,
    # The date and the item, newest first in key order (app/content/search.py document_key);
    # written by the indexing, never generated. SQLite: the rowid, which is 64 bits.
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), unique=True),
    Column("page_id", ForeignKey("pages.id", ondelete="CASCADE"), unique=True),
    Column("config", String(20), nullable=False, default="simple"),
    Column("title", Text, nullable=False, default=""),
    Column("excerpt", Text, nullable=False, default=""),
    Column("byline", Text, nullable=False, default=""),
    Column("tags", Text, nullable=False, default=""),
    Column("body", Text, nullable=False, default=""),
    Column("vector", Text().with_variant(TSVECTOR(), "postgresql")),
    # Copied from the post or page by the indexing (app/content/search.py), so a search reads
    # this table alone: the date results are ordered by (a post's published_at, NULL while a
    # draft has none; a page's updated_at) and the instant from which visitors may find the
    # document (a post: its published_at if its body is open, see
    # app/content/visibility.py; a published page: always; NULL: never, until it changes).
    Column("published_at", UTCDateTime),
    Column("open_from", UTCDateTime),
    Index("ix_search_documents_vector", "vector", postgresql_using="gin"),
    # The text-search configurations in use are read by skipping along this index.
    Index("ix_search_documents_config", "config"),
)


class Revision(db.Model):
    """A saved state of a post or page: who saved it, when, and what the text was.

    ``content_type`` is ``post`` or ``page``; no foreign key, so one table serves both (the rows
    of a deleted post or page are removed with it by app.content.revisions).
    """

    __tablename__ = "revisions"
    __table_args__ = (Index("ix_revisions_content", "content_type", "content_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_type: Mapped[str] = mapped_column(String(10))
    content_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    title: Mapped[str] = mapped_column(String(300))
    body_source: Mapped[str] = mapped_column(Text, default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    # "save", "restore" (of revision ``restored_from``) or "conflict-kept" ...
    note: Mapped[str] = mapped_column(String(120), default="")

    author: Mapped[User | None] = relationship()


class Autosave(db.Model):
    """The latest unsaved copy of a form, per user and post/page (``key`` like ``post-12`` or
    ``post-new``). It never changes the live post; the editor offers it back for restore."""

    __tablename__ = "autosaves"
    __table_args__ = (Index("uq_autosaves_user_key", "user_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The version of the post the copy was based on, to tell whether it is still newer.
    base_version: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)


class MenuItem(db.Model):
    """One entry of the header menu: a page or a category archive, in the admins' order."""

    __tablename__ = "menu_items"
    __table_args__ = (
        CheckConstraint(
            "(page_id IS NULL) <> (category_id IS NULL)", name="ck_menu_items_page_or_category"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0, index=True)
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    label: Mapped[str | None] = mapped_column(String(120))

    page: Mapped[Page | None] = relationship()
    category: Mapped[Category | None] = relationship()


class TokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a purpose, not a secret)


class AccountToken(db.Model):
    """A one-time link (invitation, password reset). Only a SHA-256 of the token is stored."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A single-use two-factor recovery code, stored as a SHA-256 hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(db.Model):
    """One line of the audit log. Written by domain functions; the app never edits or deletes it.

    Actor and target are kept as ids plus a label copied at the time, without foreign keys, so
    the record survives when an account or post is deleted later.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_created_at", "created_at"),
        Index("ix_audit_events_action", "action"),
        Index("ix_audit_events_actor_id", "actor_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(50))
    target_type: Mapped[str] = mapped_column(String(20), default="")
    target_id: Mapped[int | None] = mapped_column(Integer)
    target_label: Mapped[str] = mapped_column(String(300), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class SiteGeneration(db.Model):
    """One row: a counter bumped in the same transaction as any change a visitor could see.

    Cached pages and HTTP validators (ETag, Last-Modified) are keyed on it, so a save is never
    followed by a stale page (see app/caching/generation.py).
    """

    __tablename__ = "site_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaKind(enum.StrEnum):
    IMAGE = "image"
    DOCUMENT = "document"


class MediaItem(db.Model):
    """An uploaded image or document in the media library.

    The stored original and its renditions are files in the media storage
    (``app/media/storage.py``) whose names carry a hash of their content. The renditions are
    listed in ``renditions`` (width, height, format, key, bytes) rather than in a table of their
    own, so a post joined to its featured image has everything for ``srcset`` in one row.
    """

    __tablename__ = "media_items"
    __table_args__ = (
        Index("ix_media_items_created_at", "created_at"),
        Index("ix_media_items_kind_created_at", "kind", "created_at"),
        Index("ix_media_items_uploader_created_at", "uploader_id", "created_at"),
        Index("ix_media_items_content_hash", "content_hash"),
        Index("ix_media_items_storage_key", "storage_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=MediaKind.IMAGE.value)
    mime_type: Mapped[str] = mapped_column(String(100))
    original_filename: Mapped[str] = mapped_column(String(255), default="")
    storage_key: Mapped[str] = mapped_column(String(300))
    # SHA-256 of the stored original: identical uploads share files, so deletion checks it.
    content_hash: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    renditions: Mapped[list] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(300), default="")
    alt: Mapped[str] = mapped_column(String(1000), default="")
    caption: Mapped[str] = mapped_column(String(2000), default="")
    credit: Mapped[str] = mapped_column(String(300), default="")
    decorative: Mapped[bool] = mapped_column(Boolean, default=False)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    uploader: Mapped[User | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.kind == MediaKind.IMAGE

    @property
    def needs_alt(self) -> bool:
        """An image without alt text that nobody marked as decorative."""
        return self.is_image and not self.decorative and not self.alt.strip()

    def __repr__(self) -> str:
        return f"<MediaItem {self.id} {self.storage_key}>"


class MediaUsage(db.Model):
    """One place a media item is used: a post's or page's featured image or its body."""

    __tablename__ = "media_usages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_id: Mapped[int] = mapped_column(
        ForeignKey("media_items.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    page_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), index=True
    )
    # "featured" or "body"
    usage: Mapped[str] = mapped_column(String(20))

    media: Mapped[MediaItem] = relationship()
    post: Mapped[Post | None] = relationship()
    page: Mapped[Page | None] = relationship()


class Redirect(db.Model):
    """An old address that now lives elsewhere (301) or is gone for good (410).

    Consulted only when no page answers the path, so it can never shadow live content.
    ``source`` is the normalised path (see ``app.content.redirects.normalise_source``).
    """

    __tablename__ = "redirects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(1000), unique=True)
    target: Mapped[str] = mapped_column(String(1000), default="")
    status_code: Mapped[int] = mapped_column(Integer, default=301)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    last_hit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    origin: Mapped[str] = mapped_column(String(40), default="manual")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportRun(db.Model):
    """One completed import (a failed one changes nothing, this row included)."""

    __tablename__ = "import_runs"
    __table_args__ = (Index("ix_import_runs_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(20), default="wordpress")
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    file_name: Mapped[str] = mapped_column(String(500), default="")
    site_url: Mapped[str] = mapped_column(String(500), default="")
    seconds: Mapped[float] = mapped_column(default=0.0)
    report: Mapped[dict] = mapped_column(JSON, default=dict)


class ImportedItem(db.Model):
    """What an item of an old site became here, so a second import updates instead of copying.

    ``old_key`` is the WordPress post id, term id or author login; ``checksum`` is of the item
    as exported; ``local_updated_at`` is the row's ``updated_at`` right after the import wrote it,
    so an edit made here since is noticed and not overwritten.
    """

    __tablename__ = "imported_items"
    __table_args__ = (
        Index("uq_imported_items_key", "site_url", "kind", "old_key", unique=True),
        Index("ix_imported_items_local", "kind", "local_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_url: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    old_key: Mapped[str] = mapped_column(String(200))
    local_id: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64), default="")
    local_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
