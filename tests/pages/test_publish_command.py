"""`viche publish <slug>` (and `--withdraw`) from the command line, on the tests' database, in its own process."""

from __future__ import annotations

import asyncio
import os
import sys

from sqlalchemy import select

from storage.models import Consultation


async def viche(database_url: str, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "viche.cli",
        *args,
        env={**os.environ, "VICHE_DATABASE_URL": database_url, "VICHE_PUBLIC_URL": "https://results.example"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def published(db, slug: str) -> bool:
    async with db.session() as session:
        return (await session.execute(select(Consultation.published).where(Consultation.slug == slug))).scalar_one()


async def test_viche_publish_makes_the_page_public_and_withdraw_hides_it(database_url, db, demo, http):
    code, out, _ = await viche(database_url, "publish", demo)
    assert code == 0
    assert out.strip() == f"results page published: https://results.example/r/{demo}"
    assert await published(db, demo)
    assert (await http.get(f"/r/{demo}")).status_code == 200
    code, out, _ = await viche(database_url, "publish", demo, "--withdraw")
    assert code == 0
    assert not await published(db, demo)
    assert (await http.get(f"/r/{demo}")).status_code == 404
    code, _, err = await viche(database_url, "publish", "no-such-one")
    assert code == 1
    assert "no-such-one" in err
