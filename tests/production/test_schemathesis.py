"""Property-based fuzzing of the whole HTTP API from its own /openapi.json (schemathesis 4, in-process ASGI), as
`schemathesis run` does it: every phase — the schema's examples, coverage (boundary and invalid values of each
parameter, unexpected methods), fuzzing (valid and invalid input) and stateful (chains of calls whose responses
feed the next request, from the links schemathesis infers) — with valid credentials for each kind of route:
the service token on participant routes, the service token and a signed organiser (X-Viche-Actor) on organiser
routes, a partner key on /v1. No request may answer 5xx, every 4xx is a JSON problem, and every status a route
answered is documented in its OpenAPI.

Bounded so that one run takes about a minute on SQLite (the suite runs on SQLite and on PostgreSQL in CI);
``VICHE_FUZZ_EXAMPLES`` raises the bound for a deeper local run. The app under test owns its database engine, so
that its connections live on the one event loop schemathesis serves the app from; the data it explores (two open
consultations, a participant who took part, a pending proposal, a partner key) is written beforehand through the
test's own connection.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field

import pytest

if os.environ.get("CI"):
    import schemathesis  # CI must run this test: a missing dependency fails loudly there
else:
    schemathesis = pytest.importorskip("schemathesis")
from schemathesis.engine import events, from_schema
from schemathesis.specs.openapi.checks import _expand_status_codes

from api.app import create_app
from core import assertion
from core.settings import Settings
from storage.consultations import save_definition
from storage.models import Contact, Enrolment, Participant, Proposal, utcnow
from tests.conftest import SERVICE_TOKEN, repo_root
from viche.loading import DEMO_FILE, read_definition

EXAMPLES = int(os.environ.get("VICHE_FUZZ_EXAMPLES", "8"))
ORGANISER = 900001  # VICHE_OWNERS of the test settings: may call every organiser route


@pytest.fixture
async def seeded(db) -> str:
    """Known rows, so that the fuzzer reaches past "not found" now and then. Returns a partner key."""
    from viche.keys import create_key

    async with db.session() as session:
        demo = await save_definition(session, read_definition(DEMO_FILE), status="open")
        river = await save_definition(
            session, read_definition(repo_root() / "examples" / "riverside.yaml"), status="open"
        )
        participant = Participant(id="0" * 32, language="en")
        session.add(participant)
        await session.flush()
        session.add(Contact(participant_id=participant.id, channel="telegram", external_id="1"))
        session.add(Enrolment(participant_id=participant.id, consultation_id=demo.id, consented_at=utcnow()))
        session.add(Enrolment(participant_id=participant.id, consultation_id=river.id, consented_at=utcnow()))
        session.add(Proposal(item_id=1, text={"en": "A pending idea"}, status="pending", author_id=participant.id))
        await session.commit()
    key, _ = await create_key(db, "fuzz", ["*"], rate_per_minute=1_000_000)
    return key


class Delegate:
    """The ASGI app schemathesis talks to: at import it only serves /openapi.json (no database is touched for
    that); each test points it at the real app built on the test's database."""

    def __init__(self) -> None:
        self.target = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", _env_file=None))

    async def __call__(self, scope, receive, send) -> None:
        await self.target(scope, receive, send)


APP = Delegate()
CONFIG = schemathesis.Config.from_dict(
    {
        "workers": 1,
        "seed": 20261201,
        "generation": {"mode": "all", "max-examples": EXAMPLES},
        "phases": {"stateful": {"max-steps": 8}},
    }
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@schema.auth()
class Credentials:
    """Valid credentials for each kind of route, as a real caller has them. Schemathesis still tries requests
    without them, or with them mangled (negative mode, its ignored-auth check): those must answer 401."""

    def get(self, case, ctx):
        return APP.target.state.partner_key

    def set(self, case, partner_key, ctx) -> None:
        path = case.formatted_path
        headers = dict(case.headers or {})
        headers["Authorization"] = f"Bearer {partner_key if path.startswith('/v1/') else SERVICE_TOKEN}"
        if path.startswith("/organiser/"):  # signed for this very method and path, as the bot signs it
            headers[assertion.HEADER] = assertion.sign(SERVICE_TOKEN, ORGANISER, case.method, path)
        case.headers = headers


@pytest.fixture
def fuzzed_app(settings, seeded):
    previous = APP.target
    APP.target = create_app(settings)  # its own engine: created on the loop that serves the requests
    APP.target.state.partner_key = seeded
    yield APP.target
    APP.target = previous


@dataclass
class Run:
    phases: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    statuses: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))  # operation -> answered
    requests: int = 0
    errors: list[str] = field(default_factory=list)


_runs: dict[str, Run] = {}


def _problem(response) -> str | None:
    """Every 4xx is a JSON problem: {"error": {"status", "code", "message"}} (see api/errors.py)."""
    if response.status_code >= 500:
        return f"{response.status_code} {response.content[:300]!r}"
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
            assert error["status"] == response.status_code and error["code"] and error["message"]
        except (ValueError, KeyError, TypeError, AssertionError):
            return f"{response.status_code} without a problem body: {response.content[:300]!r}"
    return None


def fuzz(database_url: str) -> Run:
    """One schemathesis run over every operation, all phases; shared by the tests of one database."""
    if database_url in _runs:
        return _runs[database_url]
    run = Run()
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            run.phases.append(event.phase.name.name if hasattr(event.phase.name, "name") else str(event.phase.name))
        elif isinstance(event, events.ScenarioFinished):
            for case_id, interaction in event.recorder.interactions.items():
                response = interaction.response
                if response is None:
                    continue
                operation = event.recorder.cases[case_id].value.operation
                run.requests += 1
                problem = _problem(response)
                if problem:
                    run.problems.append(
                        f"[{event.phase.name}] {interaction.request.method} "
                        f"{interaction.request.uri[:200]} -> {problem}"
                    )
                # An unexpected method (coverage phase) reaches another route or none: 405 is not this route's.
                if interaction.request.method.upper() == operation.method.upper():
                    run.statuses[operation.label].add(response.status_code)
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            run.errors.append(repr(getattr(event, "value", None) or getattr(event, "exception", None))[:500])
    _runs[database_url] = run
    return run


def test_no_input_makes_the_api_answer_5xx(fuzzed_app, database_url):
    run = fuzz(database_url)
    assert run.errors == []
    assert {"EXAMPLES", "COVERAGE", "FUZZING", "STATEFUL_TESTING"} <= {p.upper() for p in run.phases}, run.phases
    assert len(run.statuses) > 40  # every operation was exercised
    # With valid credentials the fuzzer gets past authentication on every kind of route.
    for prefix in ("/participant/", "/organiser/", "/v1/"):
        reached = [
            label
            for label, statuses in run.statuses.items()
            if label.split(" ")[1].startswith(prefix) and statuses & {200, 201, 204}
        ]
        assert reached, f"no {prefix} route answered 2xx"
    assert run.problems == [], "\n".join(run.problems[:30])


def test_every_status_a_route_answered_is_documented(fuzzed_app, database_url):
    run = fuzz(database_url)
    undocumented = []
    for operation in (result.ok() for result in schema.get_all_operations()):
        documented = set(_expand_status_codes(operation.responses.status_codes))
        missing = run.statuses.get(operation.label, set()) - documented
        if missing:
            undocumented.append(f"{operation.label}: {sorted(missing)} (documented {sorted(documented)})")
    assert undocumented == [], "\n".join(undocumented)
