"""Where media files live: one small interface, a local folder or an S3-compatible bucket.

Keys are relative paths such as ``3f/harbour-protest.3fa1c2d4e5f60718.jpg``; every name carries
a hash of the file's own bytes, so a key never changes content and its URL can be cached forever.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app

__all__ = ["LocalStorage", "MediaStorage", "S3Storage", "StorageError", "get_storage"]


class StorageError(RuntimeError):
    """The storage could not read or write a file."""


class MediaStorage(Protocol):
    def save(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key`` (replacing any file there)."""

    def read(self, key: str) -> bytes:
        """The bytes stored under ``key``; ``FileNotFoundError`` when there are none."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove ``key``; a missing file is not an error."""

    def local_path(self, key: str) -> Path | None:
        """A path on this machine to serve ``key`` from, when the storage is a local folder."""


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in {"", ".", ".."} for p in parts):
        raise StorageError(f"invalid media key {key!r}")
    return key


class LocalStorage:
    """Files under one folder (``instance/media/`` by default)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def save(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file and rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only succeeds when the folder is now empty

    def local_path(self, key: str) -> Path | None:
        return self._path(key)


class S3Storage:
    """An S3-compatible bucket (AWS S3, MinIO, Garage, Ceph ...) through boto3."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        prefix: str = "",
    ) -> None:
        import boto3

        if not bucket:
            raise StorageError("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
        )

    def _key(self, key: str) -> str:
        return self.prefix + _check_key(key)

    def save(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._key(key),
            Body=data,
            ContentType=content_type,
            CacheControl="public, max-age=31536000, immutable",
        )

    def read(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise FileNotFoundError(key) from error
            raise StorageError(str(error)) from error
        return response["Body"].read()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                return False
            raise StorageError(str(error)) from error
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def local_path(self, key: str) -> Path | None:
        return None


def build_storage(config: dict) -> MediaStorage:
    kind = config.get("MEDIA_STORAGE", "local")
    if kind == "local":
        return LocalStorage(config["MEDIA_ROOT"])
    if kind == "s3":
        return S3Storage(
            config["MEDIA_S3_BUCKET"],
            endpoint_url=config.get("MEDIA_S3_ENDPOINT_URL"),
            region=config.get("MEDIA_S3_REGION", "us-east-1"),
            access_key_id=config.get("MEDIA_S3_ACCESS_KEY_ID"),
            secret_access_key=config.get("MEDIA_S3_SECRET_ACCESS_KEY"),
            prefix=config.get("MEDIA_S3_PREFIX", ""),
        )
    raise StorageError(f"MEDIA_STORAGE must be 'local' or 's3', not {kind!r}")


def init_storage(app: Flask) -> None:
    """Build the app's storage once; it is reached through :func:`get_storage`."""
    app.extensions["media_storage"] = build_storage(app.config)


def get_storage() -> MediaStorage:
    return current_app.extensions["media_storage"]
