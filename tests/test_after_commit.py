"""storage.db.after_commit: in-memory bookkeeping that must wait for the transaction it describes."""

from __future__ import annotations

from sqlalchemy import text

from storage.db import after_commit


async def test_an_action_runs_once_after_the_commit_and_never_after_a_rollback(db):
    ran: list[str] = []
    async with db.session() as session:
        await session.execute(text("SELECT 1"))
        after_commit(session, lambda: ran.append("rolled back"))
        await session.rollback()
        await session.execute(text("SELECT 1"))
        after_commit(session, lambda: ran.append("committed"))
        assert ran == []
        await session.commit()
        await session.commit()  # nothing left to run
    assert ran == ["committed"]
