"""Evidence in an S3-compatible bucket: a form inquiry's screenshots go to the bucket once the send is
recorded, and a report written where evidence/ is missing (another machine) takes them from there,
each only with the SHA-256 the store recorded.

The S3 server is moto's server mode on a loopback port: a stand-in for a third party's object store
(no S3 server in Debian starts in seconds on a test machine). The store is PostgreSQL, as on a study
run from several machines."""

from __future__ import annotations

import hashlib
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servaudit.audit_store import open_store
from servaudit.config import Audit, load_config
from servaudit.engine import run
from servaudit.errors import ConfigError
from servaudit.report import write_report
from servaudit.sandbox import Sandbox
from servaudit.store import EvidenceRecord
from tests.test_form_audit import form_audit

BUCKET = "servaudit-evidence"
PREFIX = "study-2026/machine-a"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An S3 API on 127.0.0.1 with an empty bucket; the SDK's environment points at it."""
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        for name, value in {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "servaudit-test",
            "AWS_SECRET_ACCESS_KEY": "not-a-real-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",  # never ask a cloud's metadata address for keys
        }.items():
            monkeypatch.setenv(name, value)
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client
    finally:
        server.stop()


def with_audit_keys(audit: Audit, **keys: str) -> Audit:
    audit_file = audit.folder / "audit.toml"
    lines = "".join(f'{key} = "{value}"\n' for key, value in keys.items())
    audit_file.write_text(audit_file.read_text().replace("[audit]\n", f"[audit]\n{lines}", 1))
    return Audit.load(audit.folder)


@pytest.mark.browser
def test_evidence_goes_to_the_bucket_and_a_report_elsewhere_reads_it_verified(
    tmp_path: Path, sandbox: Sandbox, s3: Any, postgres_url: str
) -> None:
    audit = with_audit_keys(
        form_audit(tmp_path, sandbox, ["copperfield"]),
        store=postgres_url,
        evidence=f"s3://{BUCKET}/{PREFIX}/",
    )
    recorded = sent_once(audit)
    assert len(recorded) >= 2, "screenshots before and after"
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX + "/")
    keys = sorted(item["Key"] for item in listed.get("Contents", []))
    assert keys == sorted(f"{PREFIX}/{item.path}" for item in recorded)
    for item in recorded:
        body = s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{item.path}")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == item.sha256 == sha256_of(audit.folder / item.path)

    # Another machine: the same store and bucket, no evidence/ folder of its own.
    shutil.rmtree(audit.folder / "evidence")
    report = tmp_path / "report"
    write_report(audit, report)
    for item in recorded:
        copied = report / "evidence" / "files" / item.path.removeprefix("evidence/")
        assert sha256_of(copied) == item.sha256, item.path

    # A file changed in the bucket since the send is withheld, never shown as the evidence.
    tampered = recorded[0]
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{tampered.path}", Body=b"not the screenshot")
    again = tmp_path / "report-again"
    write_report(audit, again)
    assert not (again / "evidence" / "files" / tampered.path.removeprefix("evidence/")).exists()
    for item in recorded[1:]:
        assert (again / "evidence" / "files" / item.path.removeprefix("evidence/")).is_file()


def sent_once(audit: Audit) -> list[EvidenceRecord]:
    """Run the audit (one form inquiry, sent) and return the evidence the store recorded for it."""
    assert dict(run(audit).outcomes) == {"sent": 1}
    store = open_store(audit)
    try:
        return store.evidence()
    finally:
        store.close()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("evidence/", "only an s3:// bucket can be named here"),
        ("s3://AB/x", "'AB' is not a bucket name"),
        ("s3://key:secret@bucket/x", "keys and passwords never go into the URL"),
    ],
)
def test_a_bad_evidence_url_is_a_located_config_error(tmp_path: Path, value: str, message: str) -> None:
    good = (Path(__file__).parent / "data" / "config" / "good.toml").read_text()
    (tmp_path / "audit.toml").write_text(good.replace("[audit]\n", f'[audit]\nevidence = "{value}"\n', 1))
    with pytest.raises(ConfigError, match=r"audit.toml:2: audit.evidence: ") as caught:
        load_config(tmp_path / "audit.toml")
    assert message in str(caught.value)
    assert "secret" not in str(caught.value), "a key in the URL is never repeated"


@pytest.mark.browser
def test_a_bucket_that_fails_stops_no_send_and_keeps_the_files_here(
    tmp_path: Path, sandbox: Sandbox, s3: Any, caplog: pytest.LogCaptureFixture
) -> None:
    audit = with_audit_keys(form_audit(tmp_path, sandbox, ["copperfield"]), evidence="s3://no-such-bucket/x")
    recorded = sent_once(audit)
    assert recorded and all(sha256_of(audit.folder / item.path) == item.sha256 for item in recorded)
    assert "cannot copy evidence" in caplog.text and "it stays in the audit folder" in caplog.text
    write_report(audit, tmp_path / "report")  # this machine's evidence/ still serves the report
    for item in recorded:
        assert (tmp_path / "report" / "evidence" / "files" / item.path.removeprefix("evidence/")).is_file()
