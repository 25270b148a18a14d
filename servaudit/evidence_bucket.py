"""Evidence files in an S3-compatible bucket (``audit.evidence = "s3://bucket/prefix"``), for a study whose
inquiries are sent from several machines and reported on another.

A probe writes its files into the audit folder's ``evidence/`` as always (Chromium saves screenshots
to files); after the send is recorded, each file is copied to the bucket under the prefix and its
path in the audit folder (``s3://bucket/prefix/evidence/<inquiry>/<file>``). The report takes a file
from ``evidence/`` when it is there and still has the SHA-256 the store recorded, else from the
bucket, checked against the same digest.

The endpoint and the credentials come from the environment as for any AWS SDK (``AWS_ENDPOINT_URL``
or ``AWS_ENDPOINT_URL_S3`` for a server that is not AWS, ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``
or a profile): never from the audit file. boto3 is loaded only for an audit that names a bucket.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servaudit.errors import ConfigError, InfrastructureError
from servaudit.scrubbing import register_secret, scrub

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
"""S3's rule for bucket names (3–63 lower-case letters, digits, dots and hyphens)."""
USAGE = (
    "s3://bucket/prefix (endpoint and keys from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
)


@dataclass(frozen=True)
class Bucket:
    name: str
    prefix: str
    """Without slashes at either end; may be empty."""

    @classmethod
    def parse(cls, url: str) -> Bucket:
        scheme, sep, rest = url.partition("://")
        if not sep or scheme.lower() != "s3":
            raise ConfigError(
                f"audit.evidence = {url!r}: only an s3:// bucket can be named here ({USAGE});"
                " leave the key out to keep evidence in the audit folder's evidence/"
            )
        name, _, prefix = rest.partition("/")
        if "@" in name or ":" in name:
            raise ConfigError(
                "audit.evidence: keys and passwords never go into the URL; give them in the"
                " environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
            )
        if not BUCKET_NAME.match(name):
            raise ConfigError(f"audit.evidence = {url!r}: {name!r} is not a bucket name ({USAGE})")
        return cls(name, prefix.strip("/"))

    def __str__(self) -> str:
        return f"s3://{self.name}/{self.prefix}" if self.prefix else f"s3://{self.name}"

    def key(self, relative: str) -> str:
        """The object's key for a file at ``relative`` in the audit folder (``evidence/…``)."""
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def _client(self) -> Any:
        try:
            import boto3
        except ImportError:
            raise ConfigError(
                f"audit.evidence = {str(self)!r} needs boto3: pip install 'servaudit[s3]'"
            ) from None
        register_secret(os.environ.get("AWS_SECRET_ACCESS_KEY", ""))  # masked in whatever is printed
        return boto3.client("s3")

    def upload(self, files: list[tuple[Path, str]]) -> None:
        """Copy (local file, path relative to the audit folder) pairs to the bucket."""
        if not files:
            return
        client = self._client()
        for local, relative in files:
            try:
                client.upload_file(str(local), self.name, self.key(relative))
            except Exception as exc:  # botocore's errors: endpoint down, no such bucket, refused keys
                raise InfrastructureError(
                    f"cannot copy evidence {relative} to {self}: {scrub(str(exc))}; it stays in the"
                    " audit folder"
                ) from None

    def download(self, relatives: list[str]) -> dict[str, bytes]:
        """The bucket's bytes of each file that is there (missing ones are left out)."""
        if not relatives:
            return {}
        client = self._client()
        found = {}
        for relative in relatives:
            try:
                found[relative] = client.get_object(Bucket=self.name, Key=self.key(relative))["Body"].read()
            except client.exceptions.NoSuchKey:
                continue
            except Exception as exc:
                raise InfrastructureError(
                    f"cannot read evidence {relative} from {self}: {scrub(str(exc))}"
                ) from None
        return found
