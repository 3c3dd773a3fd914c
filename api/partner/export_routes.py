"""Partner exports, ``/v1/consultations/{slug}/export/...``: every answer, vote and pair as streamed CSV / JSON
Lines with cursors, and the same in All Our Ideas' and Polis' columns (what each export holds:
api/partner/export_definitions.py; how it streams: api/partner/export_stream.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

from api.deps import database
from api.partner import formats, result_models
from api.partner.export_definitions import (
    answers_export,
    aoi_ideas_table,
    aoi_votes_export,
    polis_comments_table,
    polis_votes_export,
)
from api.partner.export_stream import Export, table_csv
from api.partner.pabulib_export import pabulib_text
from api.partner.polis_participants import FIXED_COLUMNS, participants_votes
from api.partner.routes import EXPORT_ERRORS, exported_consultation
from storage.db import Database
from storage.models import Consultation

router = APIRouter(prefix="/v1", tags=["partner"])


AFTER = Query(
    None,
    description="Continue after this cursor: the `X-Next-Cursor` header of the previous export, "
    "or the `cursor` of the last row you have. After a participant's /forget, their "
    "answers and votes come again as new rows under a new pseudonym (see "
    "docs/privacy.md): rebuild from a full export now and then to count each once.",
)
LIMIT = Query(None, ge=1, le=10_000_000, description="At most this many rows (default: all).")
ITEM = Query(None, description="Only this item (by key); every item of the right kind when omitted.")
NEXT_CURSOR = {
    "X-Next-Cursor": {"description": "Pass as `after` to get only newer rows next time.", "schema": {"type": "string"}}
}

ANSWERS_CSV_EXAMPLE = (
    ",".join(formats.ANSWER_COLUMNS) + "\n"
    "MXwxfDB8fA,answer,age,single_choice,5f0c2a9d41e7b3c8a6d1e2f0,25-34,UA,kyiv,uk,poster,25_34,,,,,,,,,,"
    "2026-03-02T09:14:03.120Z\n"
    "MXwxfDF8fA,vote,ideas,proposal,5f0c2a9d41e7b3c8a6d1e2f0,25-34,UA,kyiv,uk,poster,,,42,agree,doable,,,,,,"
    "2026-03-02T09:15:40.002Z\n"
)
ANSWERS_JSONL_EXAMPLE = (
    '{"cursor":"MXwxfDB8fA","type":"answer","item":"age","item_kind":"single_choice",'
    '"participant":"5f0c2a9d41e7b3c8a6d1e2f0","age_band":"25-34","country":"UA","region":"kyiv","language":"uk",'
    '"source":"poster","option":"25_34","value":null,"proposal":null,"choice":null,"qualification":null,'
    '"left":null,"right":null,"outcome":null,"reason":null,"after_skip":null,"answered_at":"2026-03-02T09:14:03.120Z"}\n'
)
AOI_VOTES_EXAMPLE = (
    ",".join(f'"{c}"' if " " in c else c for c in formats.AOI_VOTES_COLUMNS) + "\n"
    "Xk2j9aQ0pL1m,5f0c2a9d41e7b3c8a6d1e2f0,7,17,More night buses,12,A new skate park,17-12,Xk2j9aQ0pL1m,17,12,"
    "2026-03-02 09:16:11 UTC,2026-03-02 09:16:11 UTC,3.402,,TRUE,NA,budget-2026,NA,NA,FALSE,NA\n"
)
POLIS_VOTES_EXAMPLE = (
    "timestamp,datetime,comment-id,voter-id,vote\n"
    "1772442940002,Mon Mar 02 09:15:40 UTC 2026,42,5f0c2a9d41e7b3c8a6d1e2f0,1\n"
)


def _stream(export: Export, media_type: str, filename: str) -> StreamingResponse:
    return StreamingResponse(
        export.chunks,
        media_type=media_type,
        headers={
            "X-Next-Cursor": export.next_cursor,
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _export_responses(media_type: str, example: str) -> dict[int | str, dict[str, Any]]:
    return {
        **EXPORT_ERRORS,
        200: {"content": {media_type: {"schema": {"type": "string"}, "example": example}}, "headers": NEXT_CURSOR},
    }


CSV = "text/csv; charset=utf-8"
JSONL = "application/x-ndjson"


CSV_CELLS = (
    "A text cell that starts like a spreadsheet formula (`=`, `+`, `-`, `@`, a tab or a carriage return) "
    "gets a leading `'`, so that Excel or LibreOffice show it as text instead of running it (OWASP's rule "
    "against CSV injection); numbers are left as they are."
)
ANSWERS_CSV_DESCRIPTION = f"""One row per answer, proposal vote and answered pair: answers first, then votes, then
pairs.

`participant` is a pseudonym (the same in every export of this consultation, different in other
consultations); `age_band`, `country`, `region`, `language` and `source` are the participant's
attributes as far as the disclosure rule releases them (docs/privacy.md): a value held by fewer than the
consultation's `min_segment_size` is `(other)`, and attributes whose combination would be that rare are
`(withheld)`, source first, age band last. Structured answers are JSON in `value`: several choices and budget
ballots as lists of option keys (`["far","unsafe"]`), places as `{{"latitude", "longitude", "comment"}}`.

{CSV_CELLS} The JSON Lines export carries the raw text.

{result_models.answer_export_codes()}
"""


@router.get(
    "/consultations/{slug}/export/answers.csv",
    response_class=StreamingResponse,
    responses=_export_responses("text/csv", ANSWERS_CSV_EXAMPLE),
    summary="Every answer, as CSV",
    description=ANSWERS_CSV_DESCRIPTION,
)
async def export_answers_csv(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    after: str | None = AFTER,
    limit: int | None = LIMIT,
) -> StreamingResponse:
    export = await answers_export(
        db, consultation, fmt="csv", after=after, limit=limit, settings=request.app.state.settings
    )
    return _stream(export, CSV, f"{consultation.slug}-answers.csv")


@router.get(
    "/consultations/{slug}/export/answers.jsonl",
    response_class=StreamingResponse,
    responses=_export_responses(JSONL, ANSWERS_JSONL_EXAMPLE),
    summary="Every answer, as JSON Lines",
    description="The rows of `answers.csv`, one JSON object per line, with values in their JSON types and "
    "texts exactly as written.\n\n" + result_models.answer_export_codes(),
)
async def export_answers_jsonl(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    after: str | None = AFTER,
    limit: int | None = LIMIT,
) -> StreamingResponse:
    export = await answers_export(
        db, consultation, fmt="jsonl", after=after, limit=limit, settings=request.app.state.settings
    )
    return _stream(export, JSONL, f"{consultation.slug}-answers.jsonl")


@router.get(
    "/consultations/{slug}/export/aoi/votes.csv",
    response_class=StreamingResponse,
    responses=_export_responses("text/csv", AOI_VOTES_EXAMPLE),
    summary="Pairwise votes in All Our Ideas' columns",
)
async def export_aoi_votes(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    item: str | None = ITEM,
    after: str | None = AFTER,
    limit: int | None = LIMIT,
) -> StreamingResponse:
    """The columns of an All Our Ideas votes export. `Session ID` is the participant's pseudonym,
    `Wikisurvey ID` the pairs item's id; browser fields (hashed IP, user agent, referrer) are `NA`."""
    export = await aoi_votes_export(
        db, consultation, item=item, after=after, limit=limit, settings=request.app.state.settings
    )
    return _stream(export, CSV, f"{consultation.slug}-aoi-votes.csv")


@router.get(
    "/consultations/{slug}/export/aoi/non_votes.csv",
    response_class=StreamingResponse,
    responses=_export_responses("text/csv", ",".join(formats.AOI_NON_VOTES_COLUMNS) + "\n"),
    summary="\"Can't decide\" and skipped pairs in All Our Ideas' non_votes columns",
)
async def export_aoi_non_votes(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    item: str | None = ITEM,
    after: str | None = AFTER,
    limit: int | None = LIMIT,
) -> StreamingResponse:
    export = await aoi_votes_export(
        db, consultation, item=item, non_votes=True, after=after, limit=limit, settings=request.app.state.settings
    )
    return _stream(export, CSV, f"{consultation.slug}-aoi-non_votes.csv")


@router.get(
    "/consultations/{slug}/export/aoi/ideas.csv",
    response_class=PlainTextResponse,
    responses={
        **EXPORT_ERRORS,
        200: {
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": (
                        ",".join(formats.AOI_IDEAS_COLUMNS) + "\n7,17,More night buses,412,163,35,71.5771,FALSE,,"
                        "2026-02-20 10:12:00 UTC,2026-03-12 14:02:57 UTC,TRUE,291,284,NA\n"
                    ),
                }
            }
        },
    },
    summary="Ideas with wins, losses and score in All Our Ideas' columns",
)
async def export_aoi_ideas(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    item: str | None = ITEM,
) -> PlainTextResponse:
    """One row per accepted proposal of the pairs items (never a citizen's proposal that waits for moderation
    or was rejected). `Score` is 100·(W+1)/(W+L+2), four decimals. An `Idea Text` that starts like a
    spreadsheet formula gets a leading `'`."""
    rows = await aoi_ideas_table(db, consultation, item=item, settings=request.app.state.settings)
    return PlainTextResponse(
        table_csv(formats.AOI_IDEAS_COLUMNS, rows),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{consultation.slug}-aoi-ideas.csv"'},
    )


@router.get(
    "/consultations/{slug}/export/polis/votes.csv",
    response_class=StreamingResponse,
    responses=_export_responses("text/csv", POLIS_VOTES_EXAMPLE),
    summary="Agree/disagree votes in Polis' open-data votes.csv columns",
)
async def export_polis_votes(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    item: str | None = ITEM,
    after: str | None = AFTER,
    limit: int | None = LIMIT,
) -> StreamingResponse:
    """`vote` is 1 agree, -1 disagree, 0 pass (neutral); `comment-id` the proposal id; `voter-id` the
    participant's pseudonym. One row per (voter, statement): the vote that counts."""
    export = await polis_votes_export(
        db, consultation, item=item, after=after, limit=limit, settings=request.app.state.settings
    )
    return _stream(export, CSV, f"{consultation.slug}-polis-votes.csv")


@router.get(
    "/consultations/{slug}/export/polis/comments.csv",
    response_class=PlainTextResponse,
    responses={
        **EXPORT_ERRORS,
        200: {
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": (
                        ",".join(formats.POLIS_COMMENTS_COLUMNS) + "\n1772442940002,Mon Mar 02 09:15:40 UTC 2026,42,,"
                        "118,37,1,More night buses\n"
                    ),
                }
            }
        },
    },
    summary="Statements in Polis' open-data comments.csv columns",
)
async def export_polis_comments(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    item: str | None = ITEM,
) -> PlainTextResponse:
    """Accepted statements only: a citizen's proposal appears once a moderator has accepted it, never while it
    waits or after it was rejected, so `moderated` is always 1. `author-id` is a pseudonym (empty for the
    organiser's own statements). A `comment-body` that starts like a spreadsheet formula gets a leading `'`."""
    rows = await polis_comments_table(db, consultation, item=item, settings=request.app.state.settings)
    return PlainTextResponse(
        table_csv(formats.POLIS_COMMENTS_COLUMNS, rows),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{consultation.slug}-polis-comments.csv"'},
    )


PABULIB_EXAMPLE = (
    "META\nkey;value\nnum_projects;2\nnum_votes;12\nbudget;50000\nvote_type;approval\nrule;equalshares/add1\n"
    "PROJECTS\nproject_id;cost;votes;score;name;category;latitude;longitude;selected\n"
    "skate;30000;9;9;A new skate park;sport;;;1\nbus;25000;5;5;More night buses;transport;;;0\n"
    "VOTES\nvoter_id;vote;age_band;region\n1;skate,bus;25-34;(withheld)\n"
)


@router.get(
    "/consultations/{slug}/export/pabulib.pb",
    response_class=PlainTextResponse,
    responses={
        **EXPORT_ERRORS,
        200: {"content": {"text/plain": {"schema": {"type": "string"}, "example": PABULIB_EXAMPLE}}},
    },
    summary="The budget item as a Pabulib election (.pb)",
)
async def export_pabulib(
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
    item: str | None = Query(None, description="Key of the budget item (default: the first)."),
) -> PlainTextResponse:
    """pabulib.org/format: META (vote_type, the first configured counting rule, budget, ballot lengths),
    PROJECTS (votes, score, categories, coordinates, `selected` by that rule), VOTES (one row per ballot, voters
    numbered 1, 2, …, with age band and region only as the disclosure rule releases them). What is in it:
    api/partner/pabulib_export.py."""
    async with db.session() as session:
        text = await pabulib_text(session, consultation, item)
    return PlainTextResponse(
        text,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{consultation.slug}.pb"'},
    )


@router.get(
    "/consultations/{slug}/export/polis/participants-votes.csv",
    response_class=StreamingResponse,
    responses={
        **EXPORT_ERRORS,
        200: {
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": ",".join(FIXED_COLUMNS) + ",17,42\n5,1,0,2,1,1,1,-1\n"
                    "5f0c2a9d41e7b3c8a6d1e2f0,,1,1,0,0,,0\n",
                }
            }
        },
    },
    summary="Each voter's group and votes in Polis' open-data participants-votes.csv columns",
)
async def export_polis_participants_votes(
    request: Request,
    consultation: Consultation = Depends(exported_consultation),
    db: Database = Depends(database),
) -> StreamingResponse:
    """One row per participant who voted on a statement: `participant`, `group-id` (their opinion group, see
    `/groups`), `n-comments` (statements they proposed), `n-votes`, `n-agree`, `n-disagree`, then one column per
    accepted statement (its proposal id): 1 agree, -1 disagree, 0 pass, empty when not voted.

    `participant` is the id the participant had in the imported files for a conversation imported from Polis
    (so the file compares with Polis' own), the participant's pseudonym otherwise. `group-id` is empty for a
    participant not in a group and for every member of a group smaller than the consultation's
    `min_segment_size` (withheld, as in `/groups`)."""
    return StreamingResponse(
        participants_votes(db, consultation, request.app.state.settings),
        media_type=CSV,
        headers={
            "Content-Disposition": f'attachment; filename="{consultation.slug}-polis-participants-votes.csv"',
            "Cache-Control": "no-store",
        },
    )
