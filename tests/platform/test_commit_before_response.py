"""A 2xx means committed: the request's transaction commits before the response is sent.

Both halves are shown against the real app on loopback over a committed database: a
user created by one request is visible to a fresh connection the moment the 201 arrives,
and a commit that fails (a deferred constraint trigger that refuses one username at
COMMIT, after the endpoint's flush has succeeded) answers 5xx, never a 2xx.
"""

from __future__ import annotations

import httpx
from sqlalchemy import text

from tests.support.browser import LIVE_PASSWORD

_REFUSE_AT_COMMIT = """
create or replace function test_refuse_at_commit() returns trigger language plpgsql as $$
begin raise exception 'refused at commit'; end $$;
drop trigger if exists test_refuse_at_commit on app_user;
create constraint trigger test_refuse_at_commit after insert on app_user
deferrable initially deferred for each row when (new.username = 'fails-at-commit')
execute function test_refuse_at_commit();
"""


def _token(live_server) -> str:
    form = {"username": f"{live_server.tenant_code}/admin", "password": LIVE_PASSWORD}
    answer = httpx.post(live_server.url("/api/v1/auth/token"), data=form)
    return answer.json()["access_token"]


def _create(live_server, token: str, username: str) -> httpx.Response:
    body = {"username": username, "password": "long-enough-pw", "roles": ["auditor"]}
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.post(live_server.url("/api/v1/users"), json=body, headers=headers)


def _exists(live_server, username: str) -> bool:
    with live_server.session_factory() as session:
        found = session.execute(
            text("select count(*) from app_user where username = :u"), {"u": username}
        ).scalar_one()
    return found == 1


def test_a_2xx_is_committed_and_a_failed_commit_is_a_5xx(live_server):
    token = _token(live_server)
    created = _create(live_server, token, "seen-at-once")
    assert created.status_code == 201, created.text
    assert _exists(live_server, "seen-at-once")  # a new connection, right after the 201
    with live_server.session_factory() as session:
        session.execute(text(_REFUSE_AT_COMMIT))
        session.commit()
    try:
        failed = _create(live_server, token, "fails-at-commit")
        assert failed.status_code == 500, failed.text
        assert failed.json()["code"] == "internal"
        assert not _exists(live_server, "fails-at-commit")
    finally:
        with live_server.session_factory() as session:
            session.execute(text("drop trigger if exists test_refuse_at_commit on app_user"))
            session.commit()
