"""The raw zone's write-once rule holds under a race, on both stores."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from extract.rawzone import LocalRawZone, RawZone, S3RawZone, page_key

WRITERS = 8


@pytest.fixture(params=["local", "s3"])
def raw_zone(request, tmp_path, monkeypatch) -> RawZone:
    if request.param == "local":
        return LocalRawZone(tmp_path / "raw")
    s3 = request.getfixturevalue("s3_server")
    for name, value in s3.env.items():
        monkeypatch.setenv(name, value)
    bucket = f"raw-{uuid.uuid4().hex[:8]}"
    s3.client().create_bucket(Bucket=bucket)
    return S3RawZone(bucket, "elt")


def test_one_of_many_racing_writers_wins_and_its_object_stays(raw_zone):
    key = page_key("20261204T000000Z-abcdef12", "x", "followers", "42", 7)
    with ThreadPoolExecutor(WRITERS) as pool:
        won = list(
            pool.map(lambda i: raw_zone.put_once(key, f"writer {i}".encode()), range(WRITERS))
        )
    assert won.count(True) == 1
    original = f"writer {won.index(True)}".encode()
    assert raw_zone.get(key) == original
    assert raw_zone.put_once(key, b"a late writer") is False
    assert raw_zone.get(key) == original
