"""Property-based fuzzing of the whole HTTP API from its own /openapi.json (schemathesis, in-process ASGI): for
any input the schema allows, and for malformed input it does not, no operation answers 5xx.

Bounded so that the whole run takes well under two minutes; ``VICHE_FUZZ_EXAMPLES`` raises the bound for a
deeper local run. The app under test owns its database engine, so that its connections live on the one event
loop schemathesis serves the app from; the data it explores (two open consultations, a participant who took
part, a partner key) is written beforehand through the test's own connection.
"""
from __future__ import annotations

import os

import pytest

if os.environ.get("CI"):
    import schemathesis  # CI must run this test: a missing dependency fails loudly there
else:
    schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings as hypothesis_settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from api.app import create_app  # noqa: E402
from storage.consultations import save_definition  # noqa: E402
from storage.models import Contact, Enrolment, Participant, Proposal, utcnow  # noqa: E402
from tests.conftest import SERVICE_TOKEN, repo_root  # noqa: E402
from viche.loading import DEMO_FILE, read_definition  # noqa: E402
from viche.settings import Settings  # noqa: E402

EXAMPLES = int(os.environ.get("VICHE_FUZZ_EXAMPLES", "15"))


@pytest.fixture
async def seeded(db) -> str:
    """Known rows, so that the fuzzer reaches past "not found" now and then. Returns a partner key."""
    from viche.keys import create_key

    async with db.session() as session:
        demo = await save_definition(session, read_definition(DEMO_FILE), status="open")
        river = await save_definition(session, read_definition(repo_root() / "examples" / "riverside.yaml"),
                                      status="open")
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

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        await self.target(scope, receive, send)


APP = Delegate()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture
def fuzzed_app(settings, seeded):
    previous = APP.target
    APP.target = create_app(settings)  # its own engine: created on the loop that serves the requests
    APP.target.state.partner_key = seeded
    yield APP.target
    APP.target = previous


def _problem(response) -> str | None:
    """Every 4xx is a JSON problem: {"error": {"status", "code", "message"}} (see api/errors.py)."""
    if response.status_code >= 500:
        return f"{response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
            assert error["status"] == response.status_code and error["code"] and error["message"]
        except (ValueError, KeyError, TypeError, AssertionError):
            return f"{response.status_code} without a problem body: {response.text[:300]}"
    return None


def test_no_input_makes_the_api_answer_5xx(fuzzed_app):
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:
        token = fuzzed_app.state.partner_key if operation.path.startswith("/v1/") else SERVICE_TOKEN
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                                 phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def explore(case) -> None:  # noqa: ANN001
                try:
                    problem = _problem(case.call(headers={"Authorization": f"Bearer {token}"}))
                except Exception as error:  # noqa: BLE001 - the app raised: a 500 in production
                    problem = f"raised {type(error).__name__}: {str(error)[:300]}"
                if problem:
                    failures.append(f"{case.method} {case.formatted_path} {case.query or ''} "
                                    f"{str(case.body)[:200] if case.body is not None else ''} -> {problem}")

            try:
                explore()
            except Unsatisfiable:  # no malformed input exists for an operation without parameters
                pass
    assert failures == [], "\n".join(failures[:30])
