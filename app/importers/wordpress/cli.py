"""``flask import-wordpress`` and ``flask export-wordpress``."""

from __future__ import annotations

import getpass
import sys
import time
from pathlib import Path

import click

from app.models import Role


def _rate(started: float, done: list[int]):
    def show(_item) -> str:
        elapsed = time.perf_counter() - started
        return f"{done[0] / elapsed:,.0f} items/s" if elapsed > 0 and done[0] else ""

    return show


@click.command("import-wordpress")
@click.argument("export", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--uploads",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A copy of the old site's wp-content/uploads folder (attachment files come from it).",
)
@click.option(
    "--dry-run", is_flag=True, help="Check everything and print the report; write nothing."
)
@click.option(
    "--default-role",
    type=click.Choice([r.value for r in Role]),
    default=Role.AUTHOR.value,
    show_default=True,
    help="Role of the accounts created for the export's authors.",
)
@click.option(
    "--overwrite-local-edits",
    is_flag=True,
    help="Update posts and pages even if they were edited here since the last import.",
)
@click.option(
    "--timezone",
    default=None,
    help="The old site's timezone (e.g. Europe/Berlin), for dates exported without UTC time. "
    "By default it is worked out from the export's own dates.",
)
def import_wordpress_command(
    export: Path,
    uploads: Path | None,
    dry_run: bool,
    default_role: str,
    overwrite_local_edits: bool,
    timezone: str | None,
) -> None:
    """Import a WordPress export (Tools → Export → All content) into this site."""
    # Imported here: the importer (lxml, its parser) is not needed by workers serving pages.
    from app.importers.wordpress.importer import ImportFailed, Options, import_wordpress, items_in

    total = items_in(export)
    options = Options(
        uploads=uploads,
        dry_run=dry_run,
        default_role=default_role,
        overwrite_local_edits=overwrite_local_edits,
        actor_label=f"{getpass.getuser()} (command line)",
        timezone=timezone,
    )
    started = time.perf_counter()
    done = [0]
    with click.progressbar(
        length=max(total, 1),
        label=f"Importing {export.name}",
        show_pos=True,
        show_eta=True,
        item_show_func=_rate(started, done),
        file=sys.stderr,
    ) as bar:

        def progress(n: int) -> None:
            done[0] += n
            bar.update(n, done[0])

        try:
            report = import_wordpress(export, options, progress)
        except ImportFailed as error:
            raise click.ClickException(str(error)) from error
    for line in report.lines():
        click.echo(line)
    posts = report.counts["posts"]["found"]
    click.echo(
        f"{'Dry run: nothing was written. ' if dry_run else ''}"
        f"{total} items in {report.seconds:.1f} s ({posts / max(report.seconds, 1e-9):,.0f} posts/s)."
    )
    if not dry_run:
        # Imported posts are older than the site's own: PostgreSQL's index of the newest
        # documents is made again (see `flask search refresh`).
        from app.content.search import refresh_recent_index
        from app.extensions import db

        db.session.commit()  # none of ours open while the index is made concurrently
        covered = refresh_recent_index(db.engine)
        if covered is not None:
            click.echo(f"Search: index of the newest documents made again ({covered:,}).")


@click.command("export-wordpress")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--base-url",
    default=None,
    help="The site's public address used in the file's links (default: SITE_URL).",
)
def export_wordpress_command(out: Path, base_url: str | None) -> None:
    """Write the whole site as a WordPress export (WXR 1.2) that WordPress can import."""
    from flask import current_app

    from app.importers.wordpress.exporter import export_wordpress

    counts = export_wordpress(out, base_url or current_app.config.get("SITE_URL") or "")
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    click.echo(f"Wrote {out}: {summary}.")


def register(app) -> None:
    app.cli.add_command(import_wordpress_command)
    app.cli.add_command(export_wordpress_command)
