"""``flask backup OUT`` and ``flask restore IN``: a round trip gives back every post and file."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

from app.extensions import db
from app.models import Post, User
from tests.conftest import make_app
from tests.factories import make_post, make_user


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _media(app) -> Path:
    return Path(app.config.get("MEDIA_ROOT") or Path(app.instance_path) / "media")


def test_backup_and_restore_round_trip(app, backend, tmp_path):
    author = make_user(email="author@example.org", name="Maryam")
    for n in range(3):
        make_post(author, title=f"Kept post {n}", body=f"Body **{n}**")
    media = _media(app)
    (media / "2024" / "01").mkdir(parents=True)
    (media / "2024" / "01" / "photo.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    out = tmp_path / "site-backup.tar.gz"

    result = _run(app, "backup", str(out))
    assert result.exit_code == 0, result.output
    assert "1 media file(s)" in result.output
    with tarfile.open(out) as archive:
        names = archive.getnames()
    assert "manifest.json" in names and "media/2024/01/photo.jpg" in names

    if backend == "sqlite":
        target = make_app(backend, tmp_path, INSTANCE_PATH=tmp_path / "restored")
    else:
        # A new server: an empty PostgreSQL database and an empty media folder.
        shutil.move(media, tmp_path / "old-media")
        db.session.remove()
        db.drop_all()
        target = app
    try:
        _restore_and_check(target, out, tmp_path, own_app=target is not app)
    finally:
        if backend == "postgresql":  # whatever happened, leave the schema for the next tests
            db.session.remove()
            db.create_all()


def _restore_and_check(target, out, tmp_path, *, own_app: bool):
    with target.app_context():
        refused = _run(target, "restore", str(tmp_path / "missing.tar.gz"))
        assert refused.exit_code != 0
        result = _run(target, "restore", str(out))
        assert result.exit_code == 0, result.output
        db.session.remove()
        titles = sorted(db.session.scalars(db.select(Post.title)))
        assert titles == ["Kept post 0", "Kept post 1", "Kept post 2"]
        post = db.session.scalar(db.select(Post).where(Post.title == "Kept post 1"))
        assert post.body_html.strip() == "<p>Body <strong>1</strong></p>"
        assert db.session.scalar(db.select(User.display_name)) == "Maryam"
        restored = _media(target) / "2024" / "01" / "photo.jpg"
        assert restored.read_bytes() == b"\xff\xd8 not really a jpeg"
        again = _run(target, "restore", str(out))
        assert again.exit_code != 0 and "not empty" in again.output
        db.session.remove()
        if own_app:
            db.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    result = _run(app, "restore", str(junk))
    assert result.exit_code != 0 and "cannot read the backup" in result.output
