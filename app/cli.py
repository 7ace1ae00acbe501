"""``flask`` commands: accounts and demo content."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func

from app.accounts import staff
from app.content.audit import Actor
from app.extensions import db
from app.models import Post, Role, User

# Who the audit log names for what an operator does with these commands.
COMMAND_LINE = Actor(label="command line")


def register(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(demo_content)
    from app.media.cli import media_cli

    app.cli.add_command(media_cli)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(search_cli)

    from app.importers.wordpress.cli import register as register_wordpress

    register_wordpress(app)


def _media_root() -> Path:
    return Path(current_app.config.get("MEDIA_ROOT") or Path(current_app.instance_path) / "media")


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def backup(out: Path) -> None:
    """Write a consistent snapshot of the database and the media folder to OUT (.tar.gz)."""
    from app.backup import BackupError, create_backup

    db.session.remove()
    try:
        manifest = create_backup(db.engine, _media_root(), out)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backup of the {manifest['backend']} database and {manifest['media_files']} media "
        f"file(s) written to {out}."
    )


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore(source: Path) -> None:
    """Restore a backup made by ``backup`` into this (empty) instance."""
    from app.backup import BackupError, restore_backup

    db.session.remove()
    try:
        manifest = restore_backup(db.engine, _media_root(), source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored the backup made {manifest['created_at']}.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True, help="Display name shown on bylines.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.AUTHOR.value)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Create a staff account (recorded in the audit log as made on the command line)."""
    normalised = User.normalise_email(email)
    if "@" not in normalised:
        raise click.BadParameter("that is not an email address", param_hint="--email")
    if staff.find_user_by_email(normalised) is not None:  # before asking for a password
        raise click.ClickException(f"An account for {normalised} already exists.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        staff.create_account(normalised, name, role, password, COMMAND_LINE)
    except staff.AccountRuleError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {role} account for {normalised}.")


@click.command("demo-content")
@click.option(
    "--if-empty", is_flag=True, help="Only load when the database has no posts (used by make run)."
)
@click.option(
    "--remove",
    is_flag=True,
    help="Remove the demo content (and nothing you made) to start a clean site.",
)
def demo_content(if_empty: bool, remove: bool) -> None:
    """Load demo authors and posts. Safe to run twice: existing demo posts are left alone."""
    from app.demo import load_demo_content, remove_demo_content

    if remove:
        removed = remove_demo_content()
        summary = ", ".join(f"{count} {kind}" for kind, count in removed.items())
        click.echo(f"Demo content removed: {summary}.")
        return

    if if_empty and db.session.scalar(db.select(func.count(Post.id))):
        click.echo("The database already has posts; demo content not loaded.")
        return
    created = load_demo_content()
    click.echo(f"Demo content: {created} posts added.")


@click.group("search")
def search_cli() -> None:
    """The full-text search index."""


@search_cli.command("rebuild")
def search_rebuild() -> None:
    """Index every post and page again (after a bulk load that bypassed the app)."""
    from app.content.search import rebuild

    count = rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"Indexed {count} posts and pages.")
    _refresh_recent_index()


@search_cli.command("refresh")
def search_refresh() -> None:
    """PostgreSQL: make the index of the newest documents again (weekly, and after an import)."""
    _refresh_recent_index()


def _refresh_recent_index() -> None:
    from app.content.search import RECENT_DOCUMENTS, refresh_recent_index

    db.session.commit()  # no transaction of ours open while the index is made concurrently
    covered = refresh_recent_index(db.engine)
    if db.engine.dialect.name != "postgresql":
        click.echo("SQLite reads its search index newest first: nothing to refresh.")
    elif covered is None:
        click.echo(f"Fewer than {RECENT_DOCUMENTS:,} documents: no index of recent ones needed.")
    else:
        click.echo(f"Index of the newest documents made again: {covered:,} documents.")
