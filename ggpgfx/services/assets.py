"""Asset storage backends: a local folder under GGP_HOME (default) or an S3-compatible bucket."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ggpgfx.errors import ConfigError, ServiceError
from ggpgfx.services.config import Settings


class AssetStore(Protocol):
    """Where asset bytes live; keys are `<org>/<project>/<asset id>`."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store bytes under key."""

    def get(self, key: str) -> bytes:
        """Read bytes back."""

    def delete(self, key: str) -> None:
        """Remove the object (missing is fine)."""


class LocalAssetStore:
    """Files under `GGP_HOME/assets`; keys never escape the folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ServiceError("bad asset key", 400)
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write atomically (temp file + rename)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)

    def get(self, key: str) -> bytes:
        """Read the file."""
        path = self._path(key)
        if not path.exists():
            raise ServiceError("asset content is missing from storage", 404)
        return path.read_bytes()

    def delete(self, key: str) -> None:
        """Delete the file if present."""
        self._path(key).unlink(missing_ok=True)


class S3AssetStore:
    """An S3-compatible bucket (AWS, MinIO, R2) through boto3, installed separately."""

    def __init__(self, bucket: str, endpoint: str | None) -> None:
        try:
            import boto3
        except ImportError as exc:
            raise ConfigError("GGP_ASSET_BACKEND=s3 needs boto3: pip install boto3") from exc
        self.bucket = bucket
        self.client = boto3.client("s3", endpoint_url=endpoint)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Upload an object."""
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        """Download an object."""
        return bytes(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def delete(self, key: str) -> None:
        """Delete an object."""
        self.client.delete_object(Bucket=self.bucket, Key=key)


def make_asset_store(settings: Settings) -> AssetStore:
    """Pick the backend named by settings."""
    if settings.asset_backend == "local":
        return LocalAssetStore(settings.assets_dir)
    if settings.asset_backend == "s3":
        if not settings.s3_bucket:
            raise ConfigError("GGP_ASSET_BACKEND=s3 needs GGP_S3_BUCKET")
        return S3AssetStore(settings.s3_bucket, settings.s3_endpoint)
    raise ConfigError(f"unknown asset backend '{settings.asset_backend}' (expected 'local' or 's3')")
