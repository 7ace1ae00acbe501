"""Backups: one .tar.gz holding a consistent snapshot of the database and the media folder.

SQLite is copied with its online backup API (a consistent copy while the site keeps serving);
PostgreSQL with ``pg_dump --format=custom`` (one transaction, so consistent too). ``restore``
puts a backup into an empty instance of the same kind of database. No request code here.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url

from app.content import search

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
MEDIA_MEMBER = "media"
# Tables a new, unused instance already has rows in (migration state, page-cache generation).
# Not content: a database with rows only here is still "empty". The archive counts are derived
# from the posts (app.content.archive_counts); a restore replaces them with the backup's, which
# were taken in the same consistent snapshot as its posts.
HOUSEKEEPING_TABLES = frozenset(
    {"alembic_version", "site_generation", "archive_month_counts", "archive_counts_state"}
)


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and changes nothing."""


def _backend(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in {"sqlite", "postgresql"}:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def _libpq_url(engine: Engine) -> str:
    """The database URL as pg_dump/pg_restore understand it (no SQLAlchemy driver suffix)."""
    url = make_url(engine.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def create_backup(engine: Engine, media_root: Path, out: Path) -> dict:
    """Write a backup of the database behind ``engine`` and ``media_root`` to ``out``."""
    backend = _backend(engine)
    out = Path(out)
    with tempfile.TemporaryDirectory() as work:
        work_path = Path(work)
        if backend == "sqlite":
            snapshot = work_path / SQLITE_MEMBER
            source = sqlite3.connect(engine.url.database)
            target = sqlite3.connect(snapshot)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            snapshot = work_path / POSTGRES_MEMBER
            result = subprocess.run(  # noqa: S603 (fixed tool, arguments not from a shell)
                [
                    _pg_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(snapshot),
                    _libpq_url(engine),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        manifest = {
            "format": FORMAT_VERSION,
            "backend": backend,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": snapshot.name,
            "media_files": sum(1 for p in Path(media_root).rglob("*") if p.is_file())
            if Path(media_root).is_dir()
            else 0,
        }
        (work_path / MANIFEST).write_text(json.dumps(manifest, indent=2))
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_path / MANIFEST, arcname=MANIFEST)
            archive.add(snapshot, arcname=snapshot.name)
            if Path(media_root).is_dir():
                archive.add(media_root, arcname=MEDIA_MEMBER)
        os.replace(partial, out)  # a backup file is either complete or absent
    return manifest


def _is_empty(engine: Engine) -> bool:
    """No content tables with rows: a fresh database, possibly migrated but unused."""
    inspector = inspect(engine)
    with engine.connect() as connection:
        for table in inspector.get_table_names():
            # SQLite's FTS5 search index keeps its own config row; its content mirrors
            # search_documents, which is checked like any table.
            if table in HOUSEKEEPING_TABLES or table.startswith(search.SQLITE_SHADOW_PREFIX):
                continue
            quoted = engine.dialect.identifier_preparer.quote(table)
            if connection.exec_driver_sql(f"SELECT 1 FROM {quoted} LIMIT 1").first():  # noqa: S608
                return False
    return True


def restore_backup(engine: Engine, media_root: Path, source: Path) -> dict:
    """Restore ``source`` into the empty database behind ``engine`` and ``media_root``."""
    backend = _backend(engine)
    media_root = Path(media_root)
    with tempfile.TemporaryDirectory() as work:
        work_path = Path(work)
        try:
            with tarfile.open(source, "r:gz") as archive:
                archive.extractall(work_path, filter="data")
        except (OSError, tarfile.TarError) as error:
            raise BackupError(f"cannot read the backup {source}: {error}") from error
        try:
            manifest = json.loads((work_path / MANIFEST).read_text())
        except (OSError, ValueError) as error:
            raise BackupError("the file is not a Broadside backup (no manifest)") from error
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        if manifest.get("backend") != backend:
            raise BackupError(
                f"this backup is of a {manifest.get('backend')} database; restore it into "
                f"{manifest.get('backend')}, not {backend}"
            )
        if not _is_empty(engine):
            raise BackupError("the database is not empty; restore only into a new, empty one")
        if media_root.is_dir() and any(media_root.iterdir()):
            raise BackupError(f"the media folder {media_root} is not empty")
        engine.dispose()
        if backend == "sqlite":
            target = Path(engine.url.database)
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            source_db = sqlite3.connect(work_path / SQLITE_MEMBER)
            target_db = sqlite3.connect(target)
            try:
                source_db.backup(target_db)
            finally:
                target_db.close()
                source_db.close()
        else:
            result = subprocess.run(  # noqa: S603
                [
                    _pg_tool("pg_restore"),
                    "--no-owner",
                    "--clean",
                    "--if-exists",
                    "--single-transaction",
                    "--exit-on-error",
                    "--dbname",
                    _libpq_url(engine),
                    str(work_path / POSTGRES_MEMBER),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        media = work_path / MEDIA_MEMBER
        if media.is_dir():
            media_root.mkdir(parents=True, exist_ok=True)
            shutil.copytree(media, media_root, dirs_exist_ok=True)
    return manifest
