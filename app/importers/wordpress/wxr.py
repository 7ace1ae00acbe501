"""A streaming, hardened reader of WordPress eXtended RSS (WXR) exports, versions 1.0 to 1.2.

Memory stays flat whatever the file size: elements are handed out one at a time and freed.
The parser refuses what a WordPress export never contains and an attacker needs: a DOCTYPE
(entity declarations, "billion laughs" expansion, external entities). lxml is also told never
to resolve entities, load a DTD or touch the network, so the refusal does not rest on one check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from lxml import etree

_WP_NS = re.compile(r"^https?://wordpress\.org/export/(1\.[0-9])/$")
_EXCERPT_NS = re.compile(r"^https?://wordpress\.org/export/1\.[0-9]/excerpt/$")
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"


class WXRError(ValueError):
    """The file is not a usable WordPress export; the message says where and why."""


@dataclass
class Author:
    login: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""
    old_id: str = ""


@dataclass
class Term:
    taxonomy: str  # category, post_tag, nav_menu, language, post_format ...
    slug: str
    name: str
    old_id: str = ""
    parent_slug: str = ""
    description: str = ""


@dataclass
class Comment:
    approved: str
    kind: str


@dataclass
class Item:
    old_id: int
    post_type: str
    title: str = ""
    link: str = ""
    guid: str = ""
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    post_date: str = ""
    post_date_gmt: str = ""
    status: str = ""
    post_name: str = ""
    post_parent: int = 0
    menu_order: int = 0
    password: str = ""
    is_sticky: bool = False
    attachment_url: str = ""
    terms: list[tuple[str, str, str]] = field(default_factory=list)  # taxonomy, slug, name
    meta: dict[str, str] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)


@dataclass
class Channel:
    title: str = ""
    link: str = ""
    description: str = ""
    language: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    wxr_version: str = ""

    @property
    def site_url(self) -> str:
        """The old site's address, the key that ties re-imports to earlier ones."""
        return (self.base_blog_url or self.link or self.base_site_url).rstrip("/")


Entry = Author | Term | Item


def _local(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _kind(ns: str) -> str:
    if not ns:
        return ""
    if _WP_NS.match(ns):
        return "wp"
    if _EXCERPT_NS.match(ns):
        return "excerpt"
    if ns == CONTENT_NS:
        return "content"
    if ns == DC_NS:
        return "dc"
    return "other"


def _text(element) -> str:
    return element.text or ""


def _int(value: str) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() else 0


_PROLOG_LIMIT = 1 << 16
_CHANNEL_TAGS = (
    "item", "title", "link", "description", "language",
    "{*}author", "{*}category", "{*}tag", "{*}term",
    "{*}wxr_version", "{*}base_site_url", "{*}base_blog_url",
)  # fmt: skip


def _check_prolog(stream: BinaryIO) -> None:
    """Refuse a DOCTYPE before the parser sees it (a WordPress export never has one)."""
    head = stream.read(_PROLOG_LIMIT)
    stream.seek(0)
    upper = head.upper()
    root = re.search(rb"<(?![?!])", head)
    doctype = upper.find(b"<!DOCTYPE")
    entity = upper.find(b"<!ENTITY")
    cut = root.start() if root else len(head)
    if 0 <= doctype < cut or 0 <= entity < cut:
        raise WXRError(
            "The file declares a DOCTYPE. WordPress exports never do, and DOCTYPEs can carry "
            "entity declarations (entity-expansion bombs, external files); refusing to read it."
        )


def _parse_author(element) -> Author:
    author = Author(login="")
    for child in element:
        _, name = _local(child.tag)
        value = _text(child)
        if name == "author_login":
            author.login = value.strip()
        elif name == "author_email":
            author.email = value.strip()
        elif name == "author_display_name":
            author.display_name = value
        elif name == "author_first_name":
            author.first_name = value
        elif name == "author_last_name":
            author.last_name = value
        elif name == "author_id":
            author.old_id = value.strip()
    return author


def _parse_term(element, kind: str) -> Term:
    fields: dict[str, str] = {}
    for child in element:
        _, name = _local(child.tag)
        fields[name] = _text(child)
    if kind == "category":
        return Term(
            taxonomy="category",
            slug=fields.get("category_nicename", "").strip(),
            name=fields.get("cat_name", ""),
            old_id=fields.get("term_id", "").strip(),
            parent_slug=fields.get("category_parent", "").strip(),
            description=fields.get("category_description", ""),
        )
    if kind == "tag":
        return Term(
            taxonomy="post_tag",
            slug=fields.get("tag_slug", "").strip(),
            name=fields.get("tag_name", ""),
            old_id=fields.get("term_id", "").strip(),
            description=fields.get("tag_description", ""),
        )
    return Term(
        taxonomy=fields.get("term_taxonomy", "").strip(),
        slug=fields.get("term_slug", "").strip(),
        name=fields.get("term_name", ""),
        old_id=fields.get("term_id", "").strip(),
        parent_slug=fields.get("term_parent", "").strip(),
        description=fields.get("term_description", ""),
    )


def _parse_item(element) -> Item:
    item = Item(old_id=0, post_type="post")
    for child in element:
        ns, name = _local(child.tag)
        kind = _kind(ns)
        if kind == "":
            if name == "title":
                item.title = _text(child)
            elif name == "link":
                item.link = _text(child).strip()
            elif name == "guid":
                item.guid = _text(child).strip()
            elif name == "category":
                domain = child.get("domain") or "category"
                if domain == "tag":  # WXR 1.0 called tags "tag"
                    domain = "post_tag"
                label = _text(child)
                slug = child.get("nicename")
                if slug is None:
                    slug = ""  # WXR 1.0: matched by name later
                item.terms.append((domain, slug.strip(), label))
        elif kind == "content" and name == "encoded":
            item.content = _text(child)
        elif kind == "excerpt" and name == "encoded":
            item.excerpt = _text(child)
        elif kind == "dc" and name == "creator":
            item.creator = _text(child).strip()
        elif kind == "wp":
            value = _text(child)
            if name == "post_id":
                item.old_id = _int(value)
            elif name == "post_type":
                item.post_type = value.strip()
            elif name == "status":
                item.status = value.strip()
            elif name == "post_name":
                item.post_name = value.strip()
            elif name == "post_date":
                item.post_date = value.strip()
            elif name == "post_date_gmt":
                item.post_date_gmt = value.strip()
            elif name == "post_parent":
                item.post_parent = _int(value)
            elif name == "menu_order":
                item.menu_order = _int(value.lstrip("-")) * (
                    -1 if value.strip().startswith("-") else 1
                )
            elif name == "post_password":
                item.password = value
            elif name == "is_sticky":
                item.is_sticky = value.strip() == "1"
            elif name == "attachment_url":
                item.attachment_url = value.strip()
            elif name == "postmeta":
                key = meta_value = ""
                for meta in child:
                    _, meta_name = _local(meta.tag)
                    if meta_name == "meta_key":
                        key = _text(meta)
                    elif meta_name == "meta_value":
                        meta_value = _text(meta)
                if key and key not in item.meta:
                    item.meta[key] = meta_value
            elif name == "comment":
                approved = kind_ = ""
                for part in child:
                    _, part_name = _local(part.tag)
                    if part_name == "comment_approved":
                        approved = _text(part).strip()
                    elif part_name == "comment_type":
                        kind_ = _text(part).strip()
                item.comments.append(Comment(approved=approved, kind=kind_ or "comment"))
    return item


class WXRReader:
    """Iterate over one export: ``channel`` fills in as the header is read."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.channel = Channel()
        self.items_read = 0
        self.last_item: Item | None = None

    def __iter__(self) -> Iterator[Entry]:
        try:
            stream = self.path.open("rb")
        except OSError as error:
            raise WXRError(f"Cannot open {self.path}: {error.strerror}") from error
        with stream:
            _check_prolog(stream)
            yield from self._entries(stream)

    def _entries(self, stream: BinaryIO) -> Iterator[Entry]:
        # Events only for the channel's own children (and their look-alikes inside items,
        # skipped below): lxml then does the rest of the work in C.
        context = etree.iterparse(
            stream,
            events=("end",),
            tag=_CHANNEL_TAGS,
            resolve_entities=False,
            load_dtd=False,
            dtd_validation=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        checked = False
        try:
            for _event, element in context:
                if not checked:
                    self._check_root(element.getroottree())
                    checked = True
                parent = element.getparent()
                if parent is None or parent.tag != "channel":
                    continue  # an item's own <title>, <link>, <category> ...
                ns, name = _local(element.tag)
                entry = self._channel_child(element, _kind(ns), name)
                if entry is not None:
                    yield entry
                element.clear()
                while element.getprevious() is not None:
                    del parent[0]
        except etree.XMLSyntaxError as error:
            raise WXRError(f"The XML is broken {self._where()}: {error.msg}") from error
        if not checked:
            root = getattr(context, "root", None)
            if root is None:
                raise WXRError("The file is empty.")
            self._check_root(root.getroottree())

    @staticmethod
    def _check_root(tree) -> None:
        docinfo = tree.docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise WXRError("The file declares a DOCTYPE; refusing to read it.")
        root = tree.getroot()
        name = _local(root.tag)[1]
        if name != "rss":
            raise WXRError(
                f"This is not a WordPress export (WXR): its root element is <{name}>, not <rss>."
            )
        if not any(_WP_NS.match(ns or "") for ns in root.nsmap.values()):
            raise WXRError(
                "This is an RSS file but not a WordPress export: it has no wordpress.org/export "
                "namespace."
            )

    def _where(self) -> str:
        if self.last_item is None:
            return "before the first item"
        title = self.last_item.title.strip() or "(no title)"
        return f"after item {self.items_read} (old id {self.last_item.old_id}, “{title[:80]}”)"

    def _channel_child(self, element, kind: str, name: str) -> Entry | None:
        if kind == "" and name == "item":
            item = _parse_item(element)
            self.items_read += 1
            self.last_item = item
            return item
        if kind == "wp":
            if name == "author":
                return _parse_author(element)
            if name in ("category", "tag", "term"):
                return _parse_term(element, name)
            if name == "wxr_version":
                self.channel.wxr_version = _text(element).strip()
            elif name == "base_site_url":
                self.channel.base_site_url = _text(element).strip()
            elif name == "base_blog_url":
                self.channel.base_blog_url = _text(element).strip()
            return None
        if kind == "":
            if name == "title":
                self.channel.title = _text(element)
            elif name == "link":
                self.channel.link = _text(element).strip()
            elif name == "description":
                self.channel.description = _text(element)
            elif name == "language":
                self.channel.language = _text(element).strip()
        return None


_ITEM_TAG = re.compile(rb"<item[\s>]")


def count_items(path: str | Path) -> int:
    """How many items the file has, by a fast byte scan (for the progress bar's total)."""
    total = 0
    tail = b""
    with Path(path).open("rb") as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            total += len(_ITEM_TAG.findall(data))
            tail = data[-6:]
            total -= len(_ITEM_TAG.findall(tail))
    return total
