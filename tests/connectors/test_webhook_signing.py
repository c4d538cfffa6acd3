"""Standard Webhooks signing: round trip, tampering, staleness, rotation, interop."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook

from connectors.sdk.transport.webhook_signing import (
    BadSignature,
    MissingHeaders,
    StaleTimestamp,
    sign,
    signed_headers,
    verify,
)

# The example secret and message of the Standard Webhooks specification's test vectors.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NEW_SECRET = "whsec_dGhpcyBpcyB0aGUgbmV3IHNlY3JldA=="
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
STAMP = 1614265330
BODY = b'{"test": 2432232314}'


def test_signature_matches_the_spec_test_vector() -> None:
    assert sign(SECRET, MSG_ID, STAMP, BODY) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_agrees_with_the_standardwebhooks_package() -> None:
    theirs = Webhook(SECRET).sign(MSG_ID, datetime.fromtimestamp(STAMP, tz=UTC), BODY.decode())
    assert sign(SECRET, MSG_ID, STAMP, BODY) == theirs


def test_round_trip_returns_the_message_id() -> None:
    headers = signed_headers(SECRET, MSG_ID, STAMP, BODY)
    assert headers == {
        "webhook-id": MSG_ID,
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    assert verify(SECRET, headers, BODY, now=STAMP + 299) == MSG_ID


def test_tampered_body_is_refused() -> None:
    headers = signed_headers(SECRET, MSG_ID, STAMP, BODY)
    with pytest.raises(BadSignature):
        verify(SECRET, headers, b'{"test": 2432232315}', now=STAMP)


def test_tampered_id_is_refused() -> None:
    headers = signed_headers(SECRET, MSG_ID, STAMP, BODY) | {"webhook-id": "msg_other"}
    with pytest.raises(BadSignature):
        verify(SECRET, headers, BODY, now=STAMP)


@pytest.mark.parametrize("offset", [301, -301, 86_400])
def test_stale_or_future_timestamp_is_refused(offset: int) -> None:
    headers = signed_headers(SECRET, MSG_ID, STAMP, BODY)
    with pytest.raises(StaleTimestamp):
        verify(SECRET, headers, BODY, now=STAMP + offset)


def test_missing_or_malformed_headers() -> None:
    headers = signed_headers(SECRET, MSG_ID, STAMP, BODY)
    del headers["webhook-signature"]
    with pytest.raises(MissingHeaders):
        verify(SECRET, headers, BODY, now=STAMP)
    bad_stamp = signed_headers(SECRET, MSG_ID, STAMP, BODY) | {"webhook-timestamp": "soon"}
    with pytest.raises(MissingHeaders):
        verify(SECRET, bad_stamp, BODY, now=STAMP)


def test_rotation_sender_signs_with_both_receiver_accepts_either() -> None:
    headers = signed_headers([NEW_SECRET, SECRET], MSG_ID, STAMP, BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert verify(SECRET, headers, BODY, now=STAMP) == MSG_ID  # receiver not yet rotated
    assert verify(NEW_SECRET, headers, BODY, now=STAMP) == MSG_ID  # receiver rotated

    old_only = signed_headers(SECRET, MSG_ID, STAMP, BODY)
    assert verify([NEW_SECRET, SECRET], old_only, BODY, now=STAMP) == MSG_ID
    with pytest.raises(BadSignature):
        verify(NEW_SECRET, old_only, BODY, now=STAMP)


def test_header_names_are_case_insensitive_and_unknown_versions_ignored() -> None:
    sig = sign(SECRET, MSG_ID, STAMP, BODY)
    headers = {
        "Webhook-Id": MSG_ID,
        "Webhook-Timestamp": str(STAMP),
        "Webhook-Signature": f"v1a,AAAA {sig}",
    }
    assert verify(SECRET, headers, BODY, now=STAMP) == MSG_ID
