"""Who may call which REST operation, and how a stored event is shown to that caller."""

from __future__ import annotations

from fastapi import Depends, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ledger.container import Ledger
from ledger.domain.errors import Forbidden
from ledger.domain.recorded_event import RecordedEvent
from ledger.event_json import Event
from ledger.http.dependencies import get_caller, get_ledger
from ledger.security.redaction import visible_event
from ledger.security.roles import Caller, Role

#: Declares the bearer scheme in OpenAPI; the token itself is read by ``get_caller``.
bearer_scheme = HTTPBearer(auto_error=False, description="a token from `ledger token create`")


def reader(caller: Caller = Depends(get_caller), ledger: Ledger = Depends(get_ledger)) -> Caller:
    caller.require_read(ledger.settings.read_requires_token)
    return caller


def writer(
    caller: Caller = Depends(get_caller),
    _credentials: HTTPAuthorizationCredentials | None = Security(bearer_scheme),
) -> str:
    """The ``recordedBy`` of the request's writes; refuses before the body is looked at."""
    return caller.recorder()


def admin(
    caller: Caller = Depends(get_caller),
    _credentials: HTTPAuthorizationCredentials | None = Security(bearer_scheme),
) -> Caller:
    caller.recorder()
    if caller.role is not Role.ADMIN:
        raise Forbidden("only an admin token may do this")
    return caller


def shown(event: RecordedEvent, caller: Caller) -> Event:
    """The event as ``caller`` may see it; visible data at the current schema version."""
    visible = visible_event(event, caller)
    if visible != event:
        return Event.of(visible, data=visible.data, schema_version=visible.schema_version)
    return Event.of(event, data=event.current_data, schema_version=event.current_schema_version)
