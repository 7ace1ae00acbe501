"""The footer's archive list comes from stored counts per month (app.content.archive_counts),
kept in step with every save and rebuilt when stale; it always equals counting the posts."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from app.content import archive_counts
from app.content.archives import _count_months, archive_years
from app.content.settings import save_settings
from app.extensions import db
from app.models import Post, PostStatus, archive_counts_state, archive_month_counts
from tests.factories import make_post, make_user

NOW = datetime.now(UTC).replace(microsecond=0)
LATER = NOW + timedelta(days=40)


def _listed(now: datetime = NOW) -> dict[str, int]:
    return {
        f"{month.year:04d}-{month.month:02d}": month.count
        for year in archive_years(now)
        for month in year.months
    }


def _truth(now: datetime | None, timezone: str = "UTC") -> dict[str, int]:
    """Published posts per site month, counted in Python (dates up to ``now``; None: all)."""
    counts: Counter[str] = Counter()
    for post in db.session.scalars(db.select(Post)):
        if post.status != PostStatus.PUBLISHED or post.published_at is None:
            continue
        if now is None or post.published_at <= now:
            counts[archive_counts.month_of(post.published_at, timezone)] += 1
    return dict(counts)


def _stored() -> dict[str, int]:
    rows = db.session.execute(db.select(archive_month_counts.c.month, archive_month_counts.c.posts))
    return {month: posts for month, posts in rows if posts}


def _zone() -> str | None:
    return db.session.scalar(db.select(archive_counts_state.c.timezone))


def _assert_in_step(timezone: str = "UTC") -> None:
    """Counts kept by the listener alone (no rebuild since), and the list equals the truth."""
    assert _zone() == timezone
    assert _stored() == _truth(None, timezone)
    assert _listed() == _truth(NOW, timezone)
    assert _listed() == {f"{y.year:04d}-{m.month:02d}": m.count for y in _count_months(NOW)
                         for m in y.months}  # fmt: skip


def test_first_read_rebuilds_then_every_save_keeps_the_counts_in_step(app):
    author = make_user()
    march = make_post(author, published_at=datetime(2023, 3, 10, 12, tzinfo=UTC))
    make_post(author, published_at=datetime(2023, 3, 20, 12, tzinfo=UTC))
    april = make_post(author, published_at=datetime(2023, 4, 2, 12, tzinfo=UTC))
    make_post(author, status=PostStatus.DRAFT.value)
    assert _zone() is None  # never filled
    assert _listed() == {"2023-03": 2, "2023-04": 1}
    _assert_in_step()

    draft = make_post(author, status=PostStatus.DRAFT.value)
    draft.status, draft.published_at = PostStatus.PUBLISHED.value, datetime(2023, 5, 1, tzinfo=UTC)
    db.session.commit()  # publish
    _assert_in_step()

    march.status = PostStatus.DRAFT.value  # unpublish
    db.session.commit()
    _assert_in_step()
    assert _listed()["2023-03"] == 1

    april.published_at = LATER  # reschedule into the future: counted, not listed
    db.session.commit()
    _assert_in_step()
    assert "2023-04" not in _listed()
    assert _listed(LATER) == _truth(LATER)  # its time comes: listed without any write

    april.published_at = datetime(2023, 4, 2, 12, tzinfo=UTC)  # and back
    db.session.commit()
    _assert_in_step()

    april.published_at = datetime(2023, 6, 30, 12, tzinfo=UTC)  # to another month
    db.session.commit()
    _assert_in_step()
    assert "2023-04" not in _listed() and _listed()["2023-06"] == 1

    db.session.delete(db.session.get(Post, april.id))
    db.session.commit()
    _assert_in_step()
    assert "2023-06" not in _listed()


def test_posts_written_in_bulk_mark_the_counts_stale_and_the_next_read_recounts(app):
    author = make_user()
    for day in (3, 4, 5):
        make_post(author, published_at=datetime(2022, 7, day, 12, tzinfo=UTC))
    assert _listed() == {"2022-07": 3}
    posts = Post.__table__
    db.session.execute(  # behind the listener's back, as the importer writes
        db.update(posts)
        .where(posts.c.published_at < datetime(2022, 7, 5, tzinfo=UTC))
        .values(published_at=datetime(2021, 1, 15, 12, tzinfo=UTC))
    )
    archive_counts.mark_stale(db.session.connection())
    db.session.commit()
    assert _zone() is None
    assert _listed() == {"2022-07": 1, "2021-01": 2}
    _assert_in_step()


def test_a_new_site_timezone_recounts_in_its_months(app):
    author = make_user()
    make_post(author, published_at=datetime(2023, 1, 31, 12, tzinfo=UTC))
    make_post(author, published_at=datetime(2023, 2, 28, 11, tzinfo=UTC))
    assert _listed() == {"2023-01": 1, "2023-02": 1}
    save_settings({"site_timezone": "Pacific/Kiritimati"})  # UTC+14
    db.session.commit()
    assert _listed() == {"2023-02": 1, "2023-03": 1}
    _assert_in_step("Pacific/Kiritimati")
    make_post(author, published_at=datetime(2023, 3, 31, 10, tzinfo=UTC))  # April there
    _assert_in_step("Pacific/Kiritimati")


def test_a_session_holding_the_counts_reads_them_without_waiting_for_itself(app):
    author = make_user()
    make_post(author, published_at=datetime(2023, 3, 10, 12, tzinfo=UTC))
    save_settings({"site_timezone": "Etc/GMT+12"})  # stale from now on, until a read
    db.session.commit()
    post = make_post(author, status=PostStatus.DRAFT.value)
    post.status, post.published_at = PostStatus.PUBLISHED.value, datetime(2023, 8, 1, tzinfo=UTC)
    db.session.flush()  # this transaction now holds the counts' lock
    assert _listed() == {"2023-03": 1, "2023-07": 1}  # counted from the posts instead
    db.session.commit()
    _listed()
    _assert_in_step("Etc/GMT+12")


def test_deleting_a_post_whose_fields_were_never_loaded_still_counts_right(app):
    author = make_user()
    post = make_post(author, published_at=datetime(2023, 3, 10, 12, tzinfo=UTC))
    make_post(author, published_at=datetime(2023, 3, 11, 12, tzinfo=UTC))
    assert _listed() == {"2023-03": 2}
    loaded = db.session.get(Post, post.id)
    db.session.expire(loaded)  # its old status and date are unknown at the flush
    db.session.delete(loaded)
    db.session.commit()
    assert _listed() == {"2023-03": 1}
    _assert_in_step()
