"""The SeaweedFS test server honours what the raw zone relies on: write-once and auth."""

from __future__ import annotations

import uuid

import boto3
import botocore.exceptions
import pytest


def test_conditional_put_refuses_a_second_writer(s3_server):
    s3 = s3_server.client()
    bucket = f"b-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k.json", Body=b"first", IfNoneMatch="*")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        s3.put_object(Bucket=bucket, Key="k.json", Body=b"second", IfNoneMatch="*")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert s3.get_object(Bucket=bucket, Key="k.json")["Body"].read() == b"first"


def test_wrong_credentials_are_rejected(s3_server):
    stranger = boto3.client(
        "s3",
        endpoint_url=s3_server.endpoint_url,
        aws_access_key_id="nobody",
        aws_secret_access_key="nothing",
        region_name="us-east-1",
    )
    with pytest.raises(botocore.exceptions.ClientError):
        stranger.list_buckets()
