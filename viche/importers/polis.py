"""Import a Polis open-data conversation (github.com/compdemocracy/openData layout).

``comments.csv`` (timestamp, datetime, comment-id, author-id, agrees, disagrees, moderated,
comment-body) become the proposals of one ``proposal`` item; ``votes.csv`` (timestamp, datetime,
comment-id, voter-id, vote) is an event log, of which the latest vote of each voter on each statement
counts: +1 agree, -1 disagree, 0 pass (neutral), stored with its own time. Some openData folders carry no
``votes.csv``, only ``participants-votes.csv`` (one row per participant, one column per comment id, the same
latest votes): then each vote is stored at its statement's time, the only time the file tells. Either way the
ids of the files are kept in ``ImportedRef`` (participants and statements), so exports and opinion groups can be
compared with Polis's own. ``summary.csv`` gives the
title (topic) and introduction (conversation-description). Statements moderated out (-1) are stored
rejected; unmoderated ones (0) were shown by Polis and are stored accepted.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from api.partner import formats
from storage.db import Database
from storage.models import ProposalVote
from storage.models_partner import ImportedRef
from viche.importers import (
    Imported,
    ImportError_,
    Progress,
    add_participants,
    bulk_insert,
    column,
    new_consultation,
    proposal_row,
    read_csv,
    slugify,
)

SOURCE = "polis"


def read_summary(folder: Path) -> dict[str, str]:
    path = folder / "summary.csv"
    if not path.is_file():
        return {}
    import csv

    with path.open(newline="", encoding="utf-8-sig") as handle:
        return {row[0].strip(): row[1] for row in csv.reader(handle) if len(row) >= 2}


def latest_votes(rows: list[dict[str, str]], path: Path) -> dict[tuple[str, str], tuple[datetime, int]]:
    """(voter, comment) → (time, vote) of the latest vote; on equal times the later line wins."""
    ts, cid, vid, vote = (column(rows, path, name) for name in ("timestamp", "comment-id", "voter-id", "vote"))
    latest: dict[tuple[str, str], tuple[int, int, int]] = {}
    for line, row in enumerate(rows):
        try:
            stamp, value = int(row[ts]), int(float(row[vote]))
        except (TypeError, ValueError):
            raise ImportError_(f"{path.name} line {line + 2}: timestamp and vote must be numbers") from None
        if value not in formats.POLIS_CHOICE:
            raise ImportError_(f"{path.name} line {line + 2}: vote {value} is not 1, -1 or 0")
        key = (row[vid].strip(), row[cid].strip())
        seen = latest.get(key)
        if seen is None or (stamp, line) >= (seen[0], seen[1]):
            latest[key] = (stamp, line, value)
    return {key: (formats.from_epoch_ms(stamp), value) for key, (stamp, _, value) in latest.items()}


def votes_from_matrix(
    rows: list[dict[str, str]], path: Path, statement_times: dict[str, datetime]
) -> dict[tuple[str, str], tuple[datetime, int]]:
    """(voter, comment) → (time, vote) from participants-votes.csv; a vote's time is its statement's."""
    pid = column(rows, path, "participant")
    latest = {}
    for line, row in enumerate(rows):
        for cid, cell in row.items():
            cell = (cell or "").strip()
            if cid is None or not cid.strip().lstrip("-").isdigit() or not cell:
                continue
            try:
                value = int(float(cell))
            except ValueError:
                raise ImportError_(f"{path.name} line {line + 2}: vote {cell!r} is not a number") from None
            if value not in formats.POLIS_CHOICE:
                raise ImportError_(f"{path.name} line {line + 2}: vote {value} is not 1, -1 or 0")
            cid = cid.strip()
            if cid not in statement_times:
                raise ImportError_(f"{path.name} has votes on statements missing from comments.csv: {cid}")
            latest[(row[pid].strip(), cid)] = (statement_times[cid], value)
    return latest


def _id_order(value: str) -> tuple[int, int, str]:
    value = value.strip()
    return (0, int(value), "") if value.lstrip("-").isdigit() else (1, 0, value)


async def import_polis(
    db: Database, folder: Path, *, slug: str | None = None, title: str | None = None, language: str = "en"
) -> Imported:
    if not folder.is_dir():  # noqa: ASYNC240 - one stat of a folder named on the command line
        raise ImportError_(f"no folder {folder}")
    comments_path, votes_path = folder / "comments.csv", folder / "votes.csv"
    comments = read_csv(comments_path)
    if not comments:
        raise ImportError_(f"{comments_path} has no statements")
    summary = read_summary(folder)
    slug = slug or slugify(folder.name)
    if votes_path.is_file() or not (folder / "participants-votes.csv").is_file():
        votes = read_csv(votes_path)
        latest = latest_votes(votes, votes_path)
    else:
        matrix_path = folder / "participants-votes.csv"
        c_time, c_key = column(comments, comments_path, "timestamp"), column(comments, comments_path, "comment-id")
        times = {row[c_key].strip(): formats.from_epoch_ms(row[c_time]) for row in comments}
        votes, latest = [], votes_from_matrix(read_csv(matrix_path), matrix_path, times)

    c_ts, c_id, c_author, c_mod, c_body = (
        column(comments, comments_path, "timestamp"),
        column(comments, comments_path, "comment-id"),
        column(comments, comments_path, "author-id", required=False),
        column(comments, comments_path, "moderated", required=False),
        column(comments, comments_path, "comment-body"),
    )
    comments.sort(key=lambda row: _id_order(row[c_id]))
    known = {row[c_id].strip() for row in comments}
    orphans = {cid for _, cid in latest} - known
    if orphans:
        raise ImportError_(
            f"votes.csv has votes on statements missing from comments.csv: {', '.join(sorted(orphans)[:10])}"
        )

    # Every voter and author, first seen when they first wrote or voted.
    firsts: dict[str, datetime] = {}

    def seen(who: str, when: datetime) -> None:
        if who and (who not in firsts or when < firsts[who]):
            firsts[who] = when

    for row in votes:
        seen(row["voter-id"].strip(), formats.from_epoch_ms(row["timestamp"]))
    for (voter, _), (when, _) in latest.items():  # the only times a participants-votes.csv gives
        seen(voter, when)
    for row in comments:
        if c_author and row[c_author].strip():
            seen(row[c_author].strip(), formats.from_epoch_ms(row[c_ts]))
    moments = [formats.from_epoch_ms(row[c_ts]) for row in comments] + [when for when, _ in latest.values()]

    result = Imported(slug=slug, source=SOURCE)
    async with db.session() as session:
        consultation, item = await new_consultation(
            session,
            slug=slug,
            title=title or summary.get("topic") or folder.name,
            intro=summary.get("conversation-description", "").strip(),
            language=language,
            kind="proposal",
            item_key="statements",
            prompt=summary.get("topic") or "Statements",
            texts=[row[c_body] for row in comments],
            citizen_proposals=True,
            opens_at=min(moments) if moments else None,
            closes_at=max(moments) if moments else None,
        )
        people = await add_participants(session, consultation.id, SOURCE, firsts)
        result.participants = len(people)

        proposals = {}
        for row in comments:
            moderated = (row[c_mod].strip() if c_mod else "") or "1"
            status = "rejected" if moderated == "-1" else "accepted"
            author = people.get(row[c_author].strip()) if c_author else None
            proposal = proposal_row(
                item.id,
                row[c_body],
                language,
                status=status,
                author_id=author,
                created_at=formats.from_epoch_ms(row[c_ts]),
                reject_reason="moderated_in_polis" if status == "rejected" else None,
            )
            session.add(proposal)
            proposals[row[c_id].strip()] = proposal
        await session.flush()
        await bulk_insert(
            session,
            ImportedRef,
            (
                {
                    "consultation_id": consultation.id,
                    "source": SOURCE,
                    "kind": "proposal",
                    "external_id": cid[:64],
                    "local_id": str(p.id),
                }
                for cid, p in proposals.items()
            ),
        )
        result.proposals = len(proposals)

        progress = Progress("votes", len(latest))
        rows = (
            {
                "participant_id": people[voter],
                "item_id": item.id,
                "proposal_id": proposals[cid].id,
                "choice": formats.POLIS_CHOICE[value],
                "qualification": None,
                "created_at": when,
            }
            for (voter, cid), (when, value) in sorted(latest.items(), key=lambda kv: (kv[1][0], kv[0]))
        )
        result.votes = await bulk_insert(session, ProposalVote, rows, progress)
        progress.close()
        await session.commit()
    superseded = len(votes) - len(latest)
    if votes and superseded:
        result.skipped["earlier votes replaced by a later vote of the same voter on the same statement"] = superseded
    return result
