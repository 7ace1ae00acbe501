"""``flask media ...`` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.media.library import regenerate_renditions
from app.models import MediaItem, MediaKind

media_cli = AppGroup("media", help="Media library maintenance.")


@media_cli.command("regenerate")
def regenerate() -> None:
    """Rebuild every image's renditions (after changing MEDIA_WIDTHS), with a progress bar.

    Bodies showing an image are rendered again so their srcset names the new files. Each image
    is committed on its own, so an interrupted run can simply be started again.
    """
    ids = list(
        db.session.scalars(
            db.select(MediaItem.id).where(MediaItem.kind == MediaKind.IMAGE).order_by(MediaItem.id)
        )
    )
    files = failed = 0
    with click.progressbar(ids, label="Regenerating renditions", show_pos=True) as bar:
        for media_id in bar:
            item = db.session.get(MediaItem, media_id)
            try:
                files += regenerate_renditions(item)
                db.session.commit()
            except Exception as error:  # report and go on with the others
                db.session.rollback()
                failed += 1
                click.echo(f"\n#{media_id} ({item.original_filename}): {error}", err=True)
            db.session.expunge_all()
    click.echo(f"{len(ids) - failed} images done, {files} renditions written, {failed} failed.")
    if failed:
        raise SystemExit(1)
