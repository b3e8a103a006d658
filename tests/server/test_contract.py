"""The JSON API against its own OpenAPI document (/api/openapi.json), fuzzed with schemathesis: every
operation, signed in as a consultant and as a manager (the session cookie and the X-CSRF-Token header on
every generated call), on SQLite and PostgreSQL. No answer may be a 5xx, every answer must match the
schema the server publishes for its status, and an answer the document does not list must be one of the
refusals docs/site-server.md promises: JSON `{"code", "message"}` with 400, 401, 403, 404, 409, 410, 422,
423 or 503.

Bounded for CI: a fixed number of examples per operation, derandomized (the same cases every run), the
application in-process (schemathesis' ASGI transport). Left out: DELETE /api/session (it would end the
session the fuzzer signs with; test_api.py signs out) and GET /api/live (an event stream never ends; its
refusals are test_live_events.py's)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from server.app import create_app
from server.sessions import COOKIE, CSRF_HEADER
from service import number_requests
from service.desk import Desk
from service.store import Store
from service.users import authenticate
from tests.server.conftest import SECRET

BASE_URL = "https://testserver"  # the app answers plain HTTP from the loopback only; the test client is not one
REFUSALS = {400, 401, 403, 404, 409, 410, 422, 423, 503}
EXAMPLES = 6


@pytest.fixture
def seeded(site: Store) -> Store:
    """Something for the generated ids to find: customers of both consultants, one in the pool, a number
    request waiting and one decided."""
    site.register_visit("13900001111", consultant="王丽", name="周芳")
    site.clock.at += timedelta(days=398)  # type: ignore[attr-defined]  # 王丽's customer lapses to the pool
    for n, consultant in enumerate(("李强", "王丽", "李强", "李强")):
        site.register_visit(f"1381234567{n}", consultant=consultant, name=f"张{n}")
    site.clock.at += timedelta(days=2)  # type: ignore[attr-defined]
    li = Desk(site, authenticate(site, "李强", SECRET))
    first, third = site.customer_id("13812345670"), site.customer_id("13812345672")
    assert first is not None and third is not None
    waiting = number_requests.ask(li, first, "客户要求回电")
    decided = number_requests.ask(li, third, "核对号码")
    number_requests.decide(Desk(site, authenticate(site, "经理", SECRET)), decided, True, "同意回电")
    assert waiting != decided
    return site


@pytest.fixture
def api(seeded: Store) -> Iterator[Any]:
    """The application and its schema (read from the app itself: the document is what it serves)."""
    app: Any = create_app(seeded, poll_interval=0.1)
    with asgi.ASGIClient(app, base_url=BASE_URL) as client:  # runs the lifespan (the live hub)
        served = client.get("/api/openapi.json")
        assert served.status_code == 200, served.text
        schema = schemathesis.openapi.from_dict(served.json())
        schema.app = app
        yield schema
    asgi.shutdown_lifespans()


@pytest.fixture(autouse=True)
def node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis' lazy schema (4.32) renames the test's node through `_nodeid`, which pytest 9 no
    longer has: give it one to read."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def signed_in(api: Any, name: str) -> dict[str, str]:
    """The session cookie and the CSRF header of `name`, signed in once for the whole run."""
    with asgi.ASGIClient(api.app, base_url=BASE_URL) as client:
        answer = client.post("/api/session", json={"name": name, "secret": SECRET})
        assert answer.status_code == 200, answer.text
        return {"Cookie": f"{COOKIE}={answer.cookies[COOKIE]}", CSRF_HEADER: answer.json()["csrf"]}


@pytest.fixture
def as_consultant(api: Any) -> dict[str, str]:
    return signed_in(api, "李强")


@pytest.fixture
def as_manager(api: Any) -> dict[str, str]:
    return signed_in(api, "经理")


def _json(content: bytes) -> dict[str, Any]:
    try:
        found = json.loads(content)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def documented_refusal(ctx: CheckContext, response: schemathesis.Response, case: Case) -> bool | None:
    """A status the operation's schema does not list is a refusal of docs/site-server.md's shape; a 401
    means the fuzzer lost its session (the run would check nothing more)."""
    body = _json(response.content)
    if response.status_code == 401 and body.get("code") in ("signed_out", "session_ended"):
        raise AssertionError(f"signed out midway: {response.content[:200]!r}")
    if case.method.upper() != case.operation.method.upper():
        return None  # the coverage phase's probe with a method the path lacks: Starlette's 404 or 405
    listed = case.operation.definition.raw.get("responses", {})
    if str(response.status_code) in listed or "default" in listed:
        return None
    assert response.status_code in REFUSALS, f"{response.status_code} is neither in the schema nor a refusal"
    assert isinstance(body.get("code"), str) and isinstance(body.get("message"), str), \
        f"a {response.status_code} without code and message: {response.content[:200]!r}"
    return True


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, response_headers_conformance,
          documented_refusal]
schema = schemathesis.pytest.from_fixture("api").exclude(method="DELETE", path="/api/session") \
    .exclude(path="/api/live")


# no shrinking: a failing case is reported as found (its curl line reproduces it), CI's time stays bounded
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ
def test_every_answer_keeps_the_contract(case: Case, as_consultant: dict[str, str], as_manager: dict[str, str]) -> None:
    """Each generated case is sent as the consultant, then as the manager (one generation, both roles)."""
    for credentials in (as_consultant, as_manager):
        case.call_and_validate(base_url=BASE_URL, headers=credentials, checks=CHECKS)


def test_a_body_that_is_not_json_is_refused_in_the_apis_shape(api: Any, as_consultant: dict[str, str]) -> None:
    with asgi.ASGIClient(api.app, base_url=BASE_URL) as client:
        answer = client.post("/api/customers/1/follow-ups", data=b"\xff{", headers={
            **as_consultant, "Content-Type": "application/json"})
    assert answer.status_code in (400, 422)
    assert set(answer.json()) == {"code", "message"}, answer.text
