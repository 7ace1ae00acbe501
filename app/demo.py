"""Demo authors and posts, so a new install looks like a real publication."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from app.accounts.passwords import hash_password
from app.content.audit import Actor
from app.content.pages import PageDraft, delete_page, save_page
from app.content.publishing import PostDraft, save_post
from app.content.settings import get_setting, save_settings
from app.content.slugs import slugify
from app.content.taxonomy import delete_category, save_category
from app.extensions import db
from app.models import (
    Category,
    MediaItem,
    MenuItem,
    Page,
    Post,
    PostStatus,
    Role,
    Tag,
    User,
    post_categories,
    post_tags,
)

AUTHORS = [
    ("maryam.rahimi@demo.broadside.invalid", "Maryam Rahimi", Role.EDITOR),
    ("jonas.weber@demo.broadside.invalid", "Jonas Weber", Role.AUTHOR),
    ("claire.dubois@demo.broadside.invalid", "Claire Dubois", Role.AUTHOR),
]

LOREM = (
    "Our volunteers met with families, lawyers and journalists over several months. "
    "What they told us is consistent: people want to be heard, and they want the facts "
    "on the record before the next round of talks begins. "
)

# (author index, title, published at (UTC), body in Markdown, status)
POSTS: list[tuple[int, str, datetime, str, str]] = [
    (
        0,
        "Open letter to the foreign ministers of the European Union",
        datetime(2019, 3, 14, 9, 30, tzinfo=UTC),
        "Dear Ministers,\n\nWe write to you on behalf of **two hundred families** who have not "
        "heard from their relatives for more than a year.\n\n"
        + LOREM
        * 3
        + "\n\n## What we ask\n\n1. Raise each case by name.\n2. Ask for consular access.\n"
        "3. Report back to the families within three months.\n\nYours sincerely,\n\n*The board*",
        PostStatus.PUBLISHED,
    ),
    (
        1,
        "Die Volksmujahedin sind fragwürdige Verbündete",
        datetime(2019, 6, 2, 14, 0, tzinfo=UTC),
        "Wer in Berlin über Menschenrechte spricht, sollte genau prüfen, mit wem er auf der Bühne "
        "steht. Die Gründe dafür sind **vielfältig**: Größenwahn, Geheimhaltung und eine lange "
        "Geschichte der Gewalt.\n\n> „Man erkennt eine Bewegung an dem, was sie ihren eigenen "
        "Mitgliedern antut.“\n\nUnsere Recherche stützt sich auf Gespräche mit ehemaligen "
        "Mitgliedern, Gerichtsakten und Berichte der Bundesregierung.",
        PostStatus.PUBLISHED,
    ),
    (
        2,
        "L'été à Paris : une rencontre avec les familles",
        datetime(2019, 8, 21, 16, 45, tzinfo=UTC),
        "Cet été, nous avons accueilli à Paris une délégation de familles venues de toute "
        "l'Europe. « Nous voulons simplement savoir s'ils sont en vie », nous a confié une mère.\n\n"
        "Les échanges ont été longs, parfois difficiles, mais toujours empreints de dignité. "
        "Le compte rendu complet sera publié à l'automne.",
        PostStatus.PUBLISHED,
    ),
    (
        0,
        "Annual report 2019: a year of listening",
        datetime(2020, 1, 6, 8, 0, tzinfo=UTC),
        "Our annual report is out. It covers the hearings we attended, the letters we sent and "
        "the families we supported.\n\n| Activity | 2018 | 2019 |\n|---|---|---|\n"
        "| Families supported | 84 | 131 |\n| Letters sent | 12 | 27 |\n| Public events | 5 | 9 |\n\n"
        + LOREM
        * 2,
        PostStatus.PUBLISHED,
    ),
    (
        1,
        "Kampagne: Briefe an den Bundestag",
        datetime(2020, 4, 17, 10, 15, tzinfo=UTC),
        "Über 1.200 Menschen haben sich an unserer Briefaktion beteiligt. Vielen Dank! "
        "Die Antworten der Abgeordneten veröffentlichen wir hier, sobald sie eintreffen.",
        PostStatus.PUBLISHED,
    ),
    (
        2,
        "Working from home, still working for the families",
        datetime(2020, 5, 29, 12, 0, tzinfo=UTC),
        "The office is closed, but the phone line is not. " + LOREM * 4,
        PostStatus.PUBLISHED,
    ),
    (
        0,
        "Press review: what the newspapers said this autumn",
        datetime(2020, 11, 3, 7, 30, tzinfo=UTC),
        "A short selection of articles worth reading:\n\n"
        "- [A long read on exile politics](https://example.org/long-read)\n"
        "- [Interview with a former member](https://example.org/interview)\n"
        "- [An editorial on accountability](https://example.org/editorial)\n",
        PostStatus.PUBLISHED,
    ),
    (
        1,
        "Zehn Jahre Beratungsstelle",
        datetime(2021, 2, 11, 15, 0, tzinfo=UTC),
        "Seit zehn Jahren beraten wir Angehörige. Zum Jubiläum blicken wir zurück – und nach "
        "vorn. " + "Wir danken allen Ehrenamtlichen für ihre Geduld und ihren Mut. " * 6,
        PostStatus.PUBLISHED,
    ),
    (
        2,
        "Rapport : les témoignages recueillis à Genève",
        datetime(2021, 9, 23, 11, 0, tzinfo=UTC),
        "Nous publions aujourd'hui les témoignages recueillis lors de la session du Conseil des "
        "droits de l'homme. Ils décrivent une réalité que l'on préfère souvent ignorer.\n\n"
        "## Méthodologie\n\nChaque témoignage a été vérifié par deux membres de l'équipe.",
        PostStatus.PUBLISHED,
    ),
    (
        0,
        "How to contact a relative abroad: a practical guide",
        datetime(2022, 3, 8, 9, 0, tzinfo=UTC),
        "Many families ask us where to start. This guide collects what has worked for others.\n\n"
        "## Before you write\n\nGather names, dates and any documents you have.\n\n"
        "## Who to contact\n\nStart with the embassy, then the Red Cross tracing service.\n\n"
        "```\nTemplate: Dear Sir or Madam, I am writing about my brother ...\n```\n\n" + LOREM * 2,
        PostStatus.PUBLISHED,
    ),
    (
        1,
        "Podiumsdiskussion in Köln",
        datetime(2022, 10, 14, 18, 30, tzinfo=UTC),
        "Am Freitag diskutierten Fachleute in Köln über Sekten, Propaganda und die Verantwortung "
        "der Politik. Die Aufzeichnung folgt.",
        PostStatus.PUBLISHED,
    ),
    (
        2,
        "Why we keep writing letters",
        datetime(2023, 4, 4, 8, 15, tzinfo=UTC),
        "Letters are slow. They are also hard to ignore. " + LOREM * 5,
        PostStatus.PUBLISHED,
    ),
    (
        0,
        "Annual report 2023",
        datetime(2024, 1, 15, 9, 0, tzinfo=UTC),
        "Another year, another report. Highlights: a new office, two new staff members and a "
        "record number of families supported. " + LOREM,
        PostStatus.PUBLISHED,
    ),
    (
        1,
        "Nachruf auf eine mutige Mutter",
        datetime(2024, 7, 30, 13, 0, tzinfo=UTC),
        "Sie hat nie aufgegeben. Über zwanzig Jahre lang schrieb sie Briefe, reiste zu "
        "Konferenzen und sprach mit jedem, der zuhören wollte. Wir werden sie vermissen.",
        PostStatus.PUBLISHED,
    ),
    (
        2,
        "Appel aux dons pour l'hiver",
        datetime(2025, 11, 20, 10, 0, tzinfo=UTC),
        "L'hiver approche et les besoins augmentent. Chaque don compte : il finance les "
        "traductions, les déplacements et l'accueil des familles.",
        PostStatus.PUBLISHED,
    ),
    (
        0,
        "Campaign update: the petition passes 10,000 signatures",
        datetime(2026, 2, 2, 12, 0, tzinfo=UTC),
        "Thank you! The petition has passed **10,000 signatures**. We will hand it over to the "
        "parliamentary committee next month.\n\n" + LOREM,
        PostStatus.PUBLISHED,
    ),
    (
        1,
        "Ein Jahr nach der Petition",
        datetime(2026, 9, 1, 9, 0, tzinfo=UTC),
        "Was ist aus unserer Petition geworden? Ein Zwischenstand.",
        PostStatus.PUBLISHED,
    ),
    (
        2,
        "Draft: notes for the next newsletter",
        datetime(2026, 10, 10, 9, 0, tzinfo=UTC),
        "Ideas: volunteer profile, event dates, the new guide.",
        PostStatus.DRAFT,
    ),
    (
        2,
        "Reposted: The view from Brussels on exile opposition groups",
        datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
        "European institutions have long struggled to tell genuine opposition movements "
        "from organisations that merely use the language of democracy.\n\n"
        "> Legitimacy is not granted by lobbying budgets.\n\n" + LOREM * 2,
        PostStatus.PUBLISHED,
    ),
    (
        0,
        "The petition, one year on",
        datetime(2026, 9, 2, 9, 0, tzinfo=UTC),
        "What became of our petition? An update in English for our international readers. " + LOREM,
        PostStatus.PUBLISHED,
    ),
    (
        0,
        "گزارش دیدار با خانواده‌ها در پاریس",
        datetime(2026, 6, 12, 10, 0, tzinfo=UTC),
        "این گزارش خلاصه‌ای از دیدار ما با خانواده‌ها در پاریس است. "
        "خانواده‌ها می‌خواهند بدانند عزیزانشان کجا هستند.\n\n"
        "## درخواست‌های ما\n\n- دسترسی کنسولی\n- پاسخ مکتوب به نامه‌ها",
        PostStatus.PUBLISHED,
    ),
]


# title -> categories (slugs), tags, language and the rest of what makes a post more than text
DETAILS: dict[str, dict] = {
    "Open letter to the foreign ministers of the European Union": {
        "categories": ["open-letters"], "tags": ["European Union", "Families"], "sticky": True,
    },
    "Die Volksmujahedin sind fragwürdige Verbündete": {
        "categories": ["reports"], "tags": ["Germany", "Analysis"], "language": "de",
    },
    "L'été à Paris : une rencontre avec les familles": {
        "categories": ["events"], "tags": ["Families", "Paris"], "language": "fr",
    },
    "Annual report 2019: a year of listening": {"categories": ["annual-reports"]},
    "Kampagne: Briefe an den Bundestag": {
        "categories": ["campaigns"], "tags": ["Germany"], "language": "de",
    },
    "Press review: what the newspapers said this autumn": {"categories": ["press-review"]},
    "Zehn Jahre Beratungsstelle": {"categories": ["events"], "language": "de"},
    "Rapport : les témoignages recueillis à Genève": {
        "categories": ["reports"], "tags": ["Geneva", "United Nations"], "language": "fr",
    },
    "How to contact a relative abroad: a practical guide": {
        "categories": ["reports"], "tags": ["Families", "Guide"],
    },
    "Podiumsdiskussion in Köln": {"categories": ["events"], "language": "de"},
    "Why we keep writing letters": {"categories": ["open-letters"], "tags": ["Analysis"]},
    "Annual report 2023": {"categories": ["annual-reports"]},
    "Nachruf auf eine mutige Mutter": {"categories": ["campaigns"], "language": "de"},
    "Appel aux dons pour l'hiver": {"categories": ["campaigns"], "language": "fr"},
    "Campaign update: the petition passes 10,000 signatures": {
        "categories": ["petitions"], "tags": ["Petition"],
    },
    "Ein Jahr nach der Petition": {
        "categories": ["petitions"], "tags": ["Petition"], "language": "de",
    },
    "The petition, one year on": {
        "categories": ["petitions"], "tags": ["Petition"],
        "translation_of": "Ein Jahr nach der Petition",
    },
    "Reposted: The view from Brussels on exile opposition groups": {
        "categories": ["press-review"], "tags": ["European Union", "Analysis"],
        "byline_name": "Eldar Mamedov", "source_name": "EUobserver",
        "source_url": "https://euobserver.com/opinion/",
        "source_published_on": date(2025, 2, 27),
    },
    "گزارش دیدار با خانواده‌ها در پاریس": {
        "categories": ["reports"], "tags": ["Families", "Paris"], "language": "fa",
    },
}  # fmt: skip

# (name, parent slug or None, description)
CATEGORIES = [
    ("Campaigns", None, "What we are working for, and how you can help."),
    ("Petitions", "campaigns", "Petitions we started or support."),
    ("Reports", None, "Research, testimonies and guides."),
    ("Annual reports", "reports", "Our yearly account of what we did."),
    ("Open letters", None, "Letters to governments and institutions."),
    ("Press review", None, "Articles from other publications worth reading."),
    ("Events", None, "Meetings, panels and visits."),
]

BIOS = {
    "Maryam Rahimi": "Maryam coordinates our work with families across Europe.",
    "Jonas Weber": "Jonas leads the Berlin office and writes in German and English.",
    "Claire Dubois": "Claire follows the press and our French-speaking partners.",
}

PAGES = [
    ("About us", None, 0,
     "We are a small association supporting families who have lost contact with relatives "
     "inside a closed political organisation.\n\nWe listen, document and advocate."),
    ("Our team", "about-us", 1,
     "Our staff and volunteers work from Berlin, Paris and online. "
     "Write to us and one of us will answer."),
    ("Contact", None, 2, "Write to **office@example.org** or call us on weekdays."),
]  # fmt: skip

# Demo content is loaded by the command line, which may publish anything.
DEMO = Actor(label="demo content")

MENU = ["page:about-us", "category:campaigns", "category:reports", "category:open-letters"]
FEATURED = ["open-letters", "reports", "campaigns"]


def _demo_author(email: str, name: str, role: Role) -> User:
    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None:
        # Demo authors cannot log in: their password is random and never shown.
        user = User(
            email=email,
            display_name=name,
            role=role.value,
            password_hash=hash_password(secrets.token_urlsafe(32)),
        )
        db.session.add(user)
    return user


def _demo_categories() -> dict[str, Category]:
    by_slug = {c.slug: c for c in db.session.scalars(db.select(Category))}
    for name, parent_slug, description in CATEGORIES:
        slug = slugify(name)
        if slug not in by_slug:
            by_slug[slug] = save_category(
                None,
                name=name,
                slug=slug,
                description=description,
                parent=by_slug.get(parent_slug) if parent_slug else None,
            )
    return by_slug


def _demo_pages(author: User) -> dict[str, Page]:
    by_slug = {p.slug: p for p in db.session.scalars(db.select(Page))}
    for title, parent_slug, order, body in PAGES:
        slug = slugify(title)
        if slug not in by_slug:
            parent = by_slug.get(parent_slug) if parent_slug else None
            draft = PageDraft(
                title=title,
                body_source=body,
                slug=slug,
                parent_id=parent.id if parent else None,
                menu_order=order,
                status=PostStatus.PUBLISHED.value,
            )
            by_slug[slug] = save_page(None, draft, by=DEMO, author=author)
    return by_slug


def _demo_menu(pages: dict[str, Page], categories: dict[str, Category]) -> None:
    if db.session.scalar(db.select(db.func.count(MenuItem.id))):
        return
    for position, entry in enumerate(MENU):
        kind, slug = entry.split(":")
        if kind == "page":
            db.session.add(MenuItem(position=position, page_id=pages[slug].id))
        else:
            db.session.add(MenuItem(position=position, category_id=categories[slug].id))


# post title -> demo image (app/media/demo_images.py) shown as its featured image
FEATURED_IMAGES = {
    "Annual report 2019: a year of listening": "demo-press-conference.jpg",
    "L'été à Paris : une rencontre avec les familles": "demo-harbour-at-dawn.jpg",
    "Campaign update: the petition passes 10,000 signatures": "demo-rally.jpg",
    "Zehn Jahre Beratungsstelle": "demo-reading-room.jpg",
    "How to contact a relative abroad: a practical guide": "demo-mountains.jpg",
    "Podiumsdiskussion in Köln": "demo-press-conference.jpg",
    "The petition, one year on": "demo-rally.jpg",
    "Annual report 2023": "demo-harbour-at-dawn.jpg",
}
# post title -> demo image shown in its body as a figure with caption and credit
BODY_IMAGES = {
    "Why we keep writing letters": "demo-reading-room.jpg",
    "Annual report 2019: a year of listening": "demo-mountains.jpg",
}
PAGE_IMAGES = {"about-us": "demo-mountains.jpg"}


def _demo_media(uploader: User) -> dict[str, MediaItem]:
    """The demo pictures as library items, drawn once (an existing item is reused)."""
    from app.media.demo_images import CREDIT, DEMO_IMAGES, render
    from app.media.library import add_media

    existing = {
        item.original_filename: item
        for item in db.session.scalars(
            db.select(MediaItem).where(MediaItem.original_filename.in_(DEMO_IMAGES))
        )
    }
    for name, (_scene, title, alt, caption) in DEMO_IMAGES.items():
        if name not in existing:
            existing[name] = add_media(
                render(name), name, uploader, title=title, alt=alt, caption=caption, credit=CREDIT
            )
    return existing


def _figure(item: MediaItem) -> str:
    from app.media.library import media_url

    return (
        f'\n\n<figure>\n<img src="{media_url(item.storage_key)}" alt="{item.alt}">\n'
        f"<figcaption>{item.caption} <small>{item.credit}</small></figcaption>\n</figure>\n"
    )


def load_demo_content() -> int:
    """Add the demo authors, categories, pages, menu and any demo post not yet present.

    Returns how many posts were added.
    """
    authors = [_demo_author(*entry) for entry in AUTHORS]
    for author in authors:
        author.bio = author.bio or BIOS.get(author.display_name, "")
    categories = _demo_categories()
    pages = _demo_pages(authors[0])
    _demo_menu(pages, categories)
    if not get_setting("featured_categories"):
        save_settings({"featured_categories": [categories[slug].id for slug in FEATURED]})
    media = _demo_media(authors[0])
    for slug, name in PAGE_IMAGES.items():
        if slug in pages and pages[slug].featured_media_id is None:
            pages[slug].featured_media_id = media[name].id
    posts_by_title = {p.title: p for p in db.session.scalars(db.select(Post))}
    created = 0
    for author_index, title, published_at, body, status in sorted(POSTS, key=lambda p: p[2]):
        if title in posts_by_title:
            continue
        details = dict(DETAILS.get(title, {}))
        category_slugs = details.pop("categories", [])
        translation_of = details.pop("translation_of", None)
        if title in BODY_IMAGES:
            body += _figure(media[BODY_IMAGES[title]])
        draft = PostDraft(
            title=title,
            body_source=body,
            status=status.value,
            published_at=published_at if status == PostStatus.PUBLISHED else None,
            category_ids=[categories[slug].id for slug in category_slugs],
            tag_names=details.pop("tags", []),
            translation_of=posts_by_title[translation_of].id if translation_of else None,
            featured_media_id=media[FEATURED_IMAGES[title]].id
            if title in FEATURED_IMAGES
            else None,
            **details,
        )
        post = save_post(None, draft, by=DEMO, author=authors[author_index])
        post.created_at = published_at
        db.session.flush()
        posts_by_title[title] = post
        created += 1
    db.session.commit()
    return created


DEMO_EMAIL_DOMAIN = "@demo.broadside.invalid"


def remove_demo_content() -> dict[str, int]:
    """Remove what :func:`load_demo_content` added, and nothing a user made.

    Demo posts are the demo titles written by the demo accounts; demo pages are the demo slugs
    owned by a demo account. Demo categories and tags go only when no remaining post uses them
    (a user's post filed under "Reports" keeps "Reports"); demo accounts go only when no post is
    left under their name. Menu entries and featured slots pointing at removed items go with them.
    """
    removed = dict.fromkeys(("posts", "pages", "categories", "tags", "accounts", "menu items"), 0)
    demo_users = list(
        db.session.scalars(db.select(User).where(User.email.like(f"%{DEMO_EMAIL_DOMAIN}")))
    )
    demo_user_ids = {user.id for user in demo_users}
    demo_titles = {title for _author, title, _at, _body, _status in POSTS}
    if demo_user_ids:
        for post in db.session.scalars(
            db.select(Post).where(Post.author_id.in_(demo_user_ids), Post.title.in_(demo_titles))
        ):
            db.session.delete(post)
            removed["posts"] += 1
        db.session.flush()

    demo_page_slugs = {slugify(title) for title, *_rest in PAGES}
    gone_pages = []
    for page in db.session.scalars(
        db.select(Page).where(Page.slug.in_(demo_page_slugs), Page.author_id.in_(demo_user_ids))
    ):
        gone_pages.append(page.id)
    for page_id in gone_pages:
        page = db.session.get(Page, page_id)
        removed["menu items"] += _drop_menu_items(MenuItem.page_id == page_id)
        delete_page(page, by=DEMO)
        removed["pages"] += 1

    used = {
        category_id
        for (category_id,) in db.session.execute(db.select(post_categories.c.category_id))
    }
    demo_category_slugs = [slugify(name) for name, _parent, _description in CATEGORIES]
    gone_categories = []
    for slug in reversed(demo_category_slugs):  # children first
        category = db.session.scalar(db.select(Category).where(Category.slug == slug))
        has_children = category is not None and db.session.scalar(
            db.select(db.func.count(Category.id)).where(Category.parent_id == category.id)
        )
        if category is None or category.is_default or category.id in used or has_children:
            continue
        gone_categories.append(category.id)
        removed["menu items"] += _drop_menu_items(MenuItem.category_id == category.id)
        delete_category(category)
        removed["categories"] += 1
    featured = get_setting("featured_categories")
    if any(cid in gone_categories for cid in featured):
        save_settings({"featured_categories": [c for c in featured if c not in gone_categories]})

    demo_tags = {name for details in DETAILS.values() for name in details.get("tags", [])}
    tagged = {tag_id for (tag_id,) in db.session.execute(db.select(post_tags.c.tag_id))}
    for tag in db.session.scalars(db.select(Tag).where(Tag.name.in_(demo_tags))):
        if tag.id not in tagged:
            db.session.delete(tag)
            removed["tags"] += 1

    for user in demo_users:
        owns_posts = db.session.scalar(
            db.select(db.func.count(Post.id)).where(Post.author_id == user.id)
        )
        if not owns_posts:
            db.session.delete(user)
            removed["accounts"] += 1
    db.session.commit()
    return removed


def _drop_menu_items(condition) -> int:
    items = list(db.session.scalars(db.select(MenuItem).where(condition)))
    for item in items:
        db.session.delete(item)
    db.session.flush()
    return len(items)
