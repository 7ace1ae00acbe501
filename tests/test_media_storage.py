"""Media storage backends and ``/media/`` serving.

The S3 backend is tested against moto's server mode: a real S3-compatible HTTP server started
here on a free loopback port (no object store runs on these machines), spoken to by boto3.
"""

from __future__ import annotations

import contextlib

import pytest

from app.extensions import db
from app.media.library import add_media, delete_media, image_sources
from app.media.storage import LocalStorage, S3Storage, StorageError, get_storage
from tests import media_samples as samples
from tests.factories import make_user

BUCKET = "broadside-media"


@pytest.fixture(scope="module")
def s3_endpoint():
    pytest.importorskip("moto.server", reason="moto[server] (dev extra) is not installed")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


S3_KEYS = {
    "MEDIA_S3_REGION": "us-east-1",
    "MEDIA_S3_ACCESS_KEY_ID": "testing",
    "MEDIA_S3_SECRET_ACCESS_KEY": "testing",
}


def _bucket(endpoint: str) -> S3Storage:
    storage = S3Storage(
        BUCKET,
        endpoint_url=endpoint,
        access_key_id="testing",
        secret_access_key="testing",
        prefix="site",
    )
    with contextlib.suppress(storage.client.exceptions.BucketAlreadyOwnedByYou):
        storage.client.create_bucket(Bucket=BUCKET)
    return storage


def test_s3_storage_round_trip(s3_endpoint):
    storage = _bucket(s3_endpoint)
    storage.save("ab/photo.0123.jpg", b"jpeg bytes", "image/jpeg")
    assert storage.exists("ab/photo.0123.jpg")
    assert storage.read("ab/photo.0123.jpg") == b"jpeg bytes"
    head = storage.client.head_object(Bucket=BUCKET, Key="site/ab/photo.0123.jpg")
    assert head["ContentType"] == "image/jpeg"
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    storage.delete("ab/photo.0123.jpg")
    assert not storage.exists("ab/photo.0123.jpg")
    with pytest.raises(FileNotFoundError):
        storage.read("ab/photo.0123.jpg")


def test_uploads_go_to_s3_and_are_served_from_there(app_factory, s3_endpoint):
    _bucket(s3_endpoint)
    app = app_factory(
        MEDIA_STORAGE="s3", MEDIA_S3_BUCKET=BUCKET, MEDIA_S3_ENDPOINT_URL=s3_endpoint,
        MEDIA_S3_PREFIX="site", **S3_KEYS,
    )  # fmt: skip
    with app.app_context():
        storage = get_storage()
        assert isinstance(storage, S3Storage)
        item = add_media(samples.photo((800, 500)), "s3.jpg", make_user(), alt="S3")
        db.session.commit()
        keys = [item.storage_key] + [r["key"] for r in item.renditions]
        assert all(storage.exists(k) for k in keys)
        src = image_sources(item).src
        response = app.test_client().get(src)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.data == storage.read(src.removeprefix("/media/"))
        delete_media(item)
        db.session.commit()
        assert not any(storage.exists(k) for k in keys)


def test_local_storage_refuses_keys_outside_its_folder(tmp_path):
    storage = LocalStorage(tmp_path / "media")
    for key in ("../secret_key", "/etc/passwd", "a/../../b.jpg", ""):
        with pytest.raises(StorageError):
            storage.save(key, b"x", "image/jpeg")
    storage.save("ab/c.jpg", b"x", "image/jpeg")
    assert (tmp_path / "media" / "ab" / "c.jpg").read_bytes() == b"x"


def test_images_are_served_with_type_nosniff_and_cached_forever(app, client):
    item = add_media(samples.photo((700, 400)), "served.jpg", make_user(), alt="Served")
    db.session.commit()
    for key in [item.storage_key] + [r["key"] for r in item.renditions]:
        with client.get(f"/media/{key}") as response:
            assert response.status_code == 200
            assert response.mimetype == ("image/webp" if key.endswith(".webp") else "image/jpeg")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert "attachment" not in response.headers.get("Content-Disposition", "")
            assert response.data == get_storage().read(key)


def test_documents_are_downloaded_not_shown(app, client):
    item = add_media(samples.pdf(), "report.pdf", make_user())
    db.session.commit()
    with client.get(f"/media/{item.storage_key}") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == "attachment"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path", ["/media/../secret_key", "/media/ab/missing.jpg", "/media/ab/file.html", "/media/x.svg"]
)
def test_unknown_or_unsafe_media_paths_are_404(app, client, path):
    assert client.get(path).status_code == 404
