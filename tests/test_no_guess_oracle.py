"""No guess oracle: a restricted event's id is public, so an idempotent re-send of it by a writer
who may not read its content is refused with the same answer whether or not the guessed content
matches. Its own recorder and admins keep ordinary idempotency."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from conftest import bearer
from ledger.container import Ledger
from ledger.security.roles import Role

PATH = "/v1/streams/person-witness/events"


def restricted_profile(event_id: str, name: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "PersonProfiled",
        "data": {"name": name},
        "sources": [{"title": "interview"}],
        "restricted": True,
    }


def test_a_resend_by_a_writer_who_may_not_read_it_answers_alike_whatever_the_guess(
    ledger: Ledger, client: TestClient, editor_headers: dict[str, str]
) -> None:
    event_id = str(uuid.uuid4())
    secret = restricted_profile(event_id, "The Real Witness")
    assert client.post(PATH, json={"events": [secret]}, headers=editor_headers).status_code == 201

    other = bearer(ledger, Role.EDITOR, "editor-bob")
    right = client.post(PATH, json={"events": [secret]}, headers=other)
    wrong = client.post(
        PATH, json={"events": [restricted_profile(event_id, "A Wrong Guess")]}, headers=other
    )
    assert right.status_code == wrong.status_code == 409
    assert right.json() == wrong.json()
    assert right.json()["code"] == "ID_CONFLICT"

    mutation = """mutation ($e: [NewEvent!]!) {
      appendEvents(input: {streamId: "person-witness", events: $e}) { errors { code message } } }"""
    answers = [
        client.post(
            "/graphql",
            json={"query": mutation, "variables": {"e": [guess]}},
            headers=other,
        ).json()["data"]["appendEvents"]["errors"]
        for guess in (secret, restricted_profile(event_id, "A Wrong Guess"))
    ]
    assert answers[0] == answers[1] and answers[0][0]["code"] == "ID_CONFLICT"
    assert ledger.store.head().position == 1


def test_its_recorder_and_admins_keep_idempotent_resends(
    ledger: Ledger, client: TestClient, editor_headers: dict[str, str]
) -> None:
    event_id = str(uuid.uuid4())
    secret = restricted_profile(event_id, "The Real Witness")
    client.post(PATH, json={"events": [secret]}, headers=editor_headers)
    assert client.post(PATH, json={"events": [secret]}, headers=editor_headers).status_code == 201
    admin = bearer(ledger, Role.ADMIN)
    assert client.post(PATH, json={"events": [secret]}, headers=admin).status_code == 201
    changed = client.post(
        PATH, json={"events": [restricted_profile(event_id, "Other")]}, headers=editor_headers
    )
    assert changed.status_code == 409
    assert ledger.store.head().position == 1
