"""The raw zone: immutable, write-once page objects in a local folder or an S3 bucket.

Write-once is enforced by the store itself, not by a check-then-write: locally a finished
temporary file is hard-linked into place (link(2) fails if the name exists), on S3 the PUT
carries `If-None-Match: *` (the store answers 412 if the key exists). A second writer of a
key is refused and the first object stays as it was.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson

from extract import config
from extract.errors import UserError

REDACTED = "***"
SECRET_PARAM_NAMES = frozenset({"access_token", "key", "api_key", "bearer_token", "token"})


class RawZone(Protocol):
    def put_once(self, key: str, data: bytes) -> bool:
        """Store `data` at `key` unless the key exists; True when this call created it."""

    def get(self, key: str) -> bytes: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class PageEnvelope:
    """One API response as archived: the request (secrets redacted), status, headers, body."""

    method: str
    url: str
    params: dict[str, str]
    status: int
    headers: dict[str, str]
    fetched_at: str  # ISO 8601 UTC
    body_text: str  # the response body exactly as served

    def encode(self) -> bytes:
        document = {
            "request": {
                "method": self.method,
                "url": self.url,
                "params": redact_params(self.params),
            },
            "status": self.status,
            "headers": self.headers,
            "fetched_at": self.fetched_at,
            "body_text": self.body_text,
        }
        # level 3: most of level 9's saving on JSON at a fraction of its CPU; mtime 0 keeps
        # the bytes (and so the sha256 in the ledger) a pure function of the page
        return gzip.compress(orjson.dumps(document, option=orjson.OPT_SORT_KEYS), 3, mtime=0)

    @classmethod
    def decode(cls, data: bytes) -> PageEnvelope:
        document = orjson.loads(gzip.decompress(data))
        request = document["request"]
        return cls(
            request["method"],
            request["url"],
            request["params"],
            document["status"],
            document["headers"],
            document["fetched_at"],
            document["body_text"],
        )

    def body(self) -> Any:
        return orjson.loads(self.body_text)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def redact_params(params: dict[str, str]) -> dict[str, str]:
    return {k: REDACTED if k.lower() in SECRET_PARAM_NAMES else v for k, v in params.items()}


def page_key(batch_id: str, network: str, resource: str, account: str, seq: int) -> str:
    return f"etl/{batch_id}/extracted/{network}/{resource}/{account}/{seq:06d}.json.gz"


class LocalRawZone:
    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return f"file://{self.root}"

    def put_once(self, key: str, data: bytes) -> bool:
        target = self.root / key
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                dir=target.parent, prefix=".tmp-", delete=False
            ) as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(handle.name, target)
                return True
            except FileExistsError:
                return False
            finally:
                os.unlink(handle.name)
        except PermissionError as exc:
            raise UserError(
                f"cannot write to the raw zone {self.describe()}: permission "
                f"denied on {exc.filename}"
            ) from None
        except OSError as exc:
            raise UserError(
                f"cannot write to the raw zone {self.describe()}: {exc.strerror}"
            ) from None

    def get(self, key: str) -> bytes:
        try:
            return (self.root / key).read_bytes()
        except OSError as exc:
            raise UserError(
                f"cannot read {key} from the raw zone {self.describe()}: {exc.strerror}"
            ) from None


class S3RawZone:
    def __init__(self, bucket: str, prefix: str) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.s3 = boto3.client(
            "s3",
            config=Config(
                retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=30
            ),
        )

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put_once(self, key: str, data: bytes) -> bool:
        from botocore.exceptions import ClientError

        with self._errors("write to"):
            try:
                self.s3.put_object(
                    Bucket=self.bucket,
                    Key=self._key(key),
                    Body=data,
                    IfNoneMatch="*",
                    ContentType="application/gzip",
                )
                return True
            except ClientError as exc:
                if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 412:
                    return False  # the key exists: the store refused a second writer
                raise

    def get(self, key: str) -> bytes:
        with self._errors(f"read {key} from"):
            return self.s3.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def check(self) -> None:
        """Fail early, in one line, when the bucket is missing or unreachable."""
        with self._errors("use"):
            self.s3.head_bucket(Bucket=self.bucket)

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """boto3 errors as one readable line naming the raw zone."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            raise UserError(
                f"cannot {action} the raw zone {self.describe()}: {_s3_reason(exc)}"
            ) from None
        except BotoCoreError as exc:
            raise UserError(f"cannot reach the raw zone {self.describe()}: {exc}") from None


def _s3_reason(exc: Any) -> str:
    error = exc.response.get("Error", {})
    code = error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if str(code) in ("404", "NoSuchBucket"):
        return "the bucket does not exist"
    return f"{code}: {error.get('Message') or 'request refused'}"


def open_raw_zone(url: str | None = None) -> RawZone:
    """The raw zone named by ELT_RAW_ZONE (file://... or s3://bucket/prefix)."""
    url = url or config.raw_zone_url()
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalRawZone(Path(parts.path))
    if parts.scheme == "s3" and parts.netloc:
        zone = S3RawZone(parts.netloc, parts.path)
        zone.check()
        return zone
    raise UserError(f"ELT_RAW_ZONE must be file:///path or s3://bucket/prefix, got {url!r}")
