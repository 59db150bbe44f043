"""A real S3-API server (moto's) on loopback: for the mirror's buckets and for media."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer


@pytest.fixture(scope="session")
def s3_peer() -> Iterator[str]:
    """A real S3-API server (moto's) on a free loopback port, for the whole session."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


MEDIA_BUCKET = "newsroom-media"


@pytest.fixture
def media_in_a_bucket(settings, s3_peer, public_bucket, buckets):
    """Media (uploads and renditions) in a public bucket of the peer, as `TAMIZDAT_MEDIA_STORAGE=s3`
    keeps them."""
    public_bucket(MEDIA_BUCKET)
    settings.MEDIA_URL = f"{s3_peer}/{MEDIA_BUCKET}/"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": MEDIA_BUCKET,
                "endpoint_url": s3_peer,
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
                "custom_domain": f"{s3_peer.split('://', 1)[1]}/{MEDIA_BUCKET}",
                "url_protocol": "http:",
                "querystring_auth": False,
                "file_overwrite": False,
                "default_acl": None,
            },
        },
    }
    return buckets


@pytest.fixture
def public_bucket(buckets):
    """Make a bucket that anyone may read, as a newsroom's mirror bucket must be."""
    return lambda name: _make_public(buckets, name)


def _make_public(client, name: str) -> None:
    client.create_bucket(Bucket=name)
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/*",
    }
    client.put_bucket_policy(
        Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


@pytest.fixture
def buckets(s3_peer):
    """A client of the peer; the buckets a test makes are gone after it."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_peer,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    yield client
    for bucket in client.list_buckets()["Buckets"]:
        objects = client.list_objects_v2(Bucket=bucket["Name"]).get("Contents", [])
        if objects:
            client.delete_objects(
                Bucket=bucket["Name"], Delete={"Objects": [{"Key": o["Key"]} for o in objects]}
            )
        client.delete_bucket(Bucket=bucket["Name"])
