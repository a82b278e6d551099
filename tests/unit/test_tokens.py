"""Ticket tokens: 128 random bits, signed; forged, truncated or foreign-key tokens are refused."""

from __future__ import annotations

from portal.tokens import new_token, verify


def test_token_round_trip_and_uniqueness():
    tokens = {new_token("k1") for _ in range(500)}
    assert len(tokens) == 500
    assert all(verify("k1", t) and len(t) <= 64 for t in tokens)


def test_forged_tokens_are_refused():
    token = new_token("k1")
    body, tag = token.split(".")
    assert not verify("k2", token)
    assert not verify("k1", body + "." + ("A" if tag[0] != "A" else "B") + tag[1:])
    assert not verify("k1", body)
    assert not verify("k1", "short.tag")
    assert not verify("k1", "x" * 100)
