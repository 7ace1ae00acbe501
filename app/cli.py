"""``flask`` commands: accounts and demo content."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func

from app.accounts.password_policy import password_problems
from app.accounts.passwords import hash_password
from app.extensions import db
from app.models import Post, Role, User


def register(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(demo_content)
    from app.media.cli import media_cli

    app.cli.add_command(media_cli)
    app.cli.add_command(backup)
    app.cli.add_command(restore)

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
    """Create a staff account."""
    email = User.normalise_email(email)
    if "@" not in email:
        raise click.BadParameter("that is not an email address", param_hint="--email")
    if db.session.scalar(db.select(User).where(User.email == email)):
        raise click.ClickException(f"An account for {email} already exists.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problems = password_problems(password, email=email)
    if problems:
        raise click.ClickException(" ".join(problems))
    db.session.add(
        User(email=email, display_name=name, role=role, password_hash=hash_password(password))
    )
    db.session.commit()
    click.echo(f"Created {role} account for {email}.")


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
