"""Import an All Our Ideas wiki survey from its CSV exports.

- ideas (Wikisurvey ID, Idea ID, Idea Text, Wins, Losses, Times involved in Cant Decide, Score, User
  Submitted, Session ID, Created at, Last Activity, Active, …) become the proposals of one ``pairs``
  item; user-submitted ones keep their author. Ideas AOI had deactivated stay in the pool (accepted),
  because the wins and losses AOI reports for every other idea include the votes against them; they
  are remembered (``importedref`` kind ``inactive``) and the AOI ideas export shows ``Active`` = FALSE.
- votes (Vote ID, Session ID, Wikisurvey ID, Winner ID, Winner Text, Loser ID, Loser Text, Prompt ID,
  Appearance ID, Left Choice ID, Right Choice ID, Created at, …, Response Time (s), …, Valid) become
  answered pairs, each with a fresh token; votes AOI marked ``Valid`` = FALSE do not count there and are
  left out here.
- non_votes (optional; Record Type, …, Left/Right Choice ID, Reason, Created at, …): the "Skip" rows
  become "can't decide" answers; bounces (a pair shown, nothing done) are left out.

viche shows a participant a pair only once; AOI could show the same pair to a session again. A
session's second answer on a pair is kept under a second participant of that session (external id
``<session>#2``), so that every vote counts as it did in AOI.

After loading, the import recomputes every idea's wins, losses and score (100·(W+1)/(W+L+2)) from the
stored answers and compares them with the ideas file, rounded as the file rounds its scores.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from api.partner import formats
from api.partner.export_definitions import aoi_idea_counts
from storage.db import Database
from storage.models import PairPrompt, utcnow
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

SOURCE = "aoi"
SURVEY = ("Wikisurvey ID", "Ideamarketplace ID", "Question ID")


def truthy(value: str | None, default: bool = True) -> bool:
    value = (value or "").strip().upper()
    return default if not value else value in ("TRUE", "T", "1", "YES")


def _decimals(score: str) -> int:
    return len(score.split(".", 1)[1]) if "." in score else 0


def _seconds(value: str | None) -> float | None:
    try:
        seconds = float(value) if value not in (None, "", "NA") else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


def _token() -> str:
    return secrets.token_urlsafe(15)  # 20 characters


async def import_aoi(
    db: Database,
    votes_path: Path,
    ideas_path: Path,
    *,
    slug: str | None = None,
    title: str | None = None,
    language: str = "en",
    non_votes: Path | None = None,
) -> Imported:
    ideas, votes = read_csv(ideas_path), read_csv(votes_path)
    skips = read_csv(non_votes) if non_votes else []
    if not ideas:
        raise ImportError_(f"{ideas_path} has no ideas")
    i_survey = column(ideas, ideas_path, *SURVEY, required=False)
    i_id, i_text = column(ideas, ideas_path, "Idea ID"), column(ideas, ideas_path, "Idea Text")
    i_user, i_session = (
        column(ideas, ideas_path, "User Submitted", required=False),
        column(ideas, ideas_path, "Session ID", required=False),
    )
    i_created, i_active = (
        column(ideas, ideas_path, "Created at", required=False),
        column(ideas, ideas_path, "Active", required=False),
    )
    surveys = {row[i_survey].strip() for row in ideas} if i_survey else set()
    if len(surveys) > 1:
        raise ImportError_(
            f"{ideas_path.name} holds several wiki surveys ({', '.join(sorted(surveys))}); import one at a time"
        )
    survey = next(iter(surveys), "")
    slug = slug or slugify(f"aoi-{survey}" if survey else ideas_path.stem)

    v_session, v_winner, v_loser = (
        column(votes, votes_path, "Session ID"),
        column(votes, votes_path, "Winner ID"),
        column(votes, votes_path, "Loser ID"),
    )
    v_left, v_right = (
        column(votes, votes_path, "Left Choice ID", required=False),
        column(votes, votes_path, "Right Choice ID", required=False),
    )
    v_created, v_valid = (
        column(votes, votes_path, "Created at", required=False),
        column(votes, votes_path, "Valid", required=False),
    )
    v_time, v_wtext, v_ltext = (
        column(votes, votes_path, "Response Time (s)", required=False),
        column(votes, votes_path, "Winner Text", required=False),
        column(votes, votes_path, "Loser Text", required=False),
    )
    result = Imported(slug=slug, source=SOURCE)
    now = utcnow()

    # Ideas, in id order; ideas seen only in votes (absent from the ideas file) are added from their text.
    texts: dict[str, str] = {}
    for row in ideas:
        texts[row[i_id].strip()] = row[i_text].strip()
    missing: dict[str, str] = {}
    for row in votes:
        for idea, text_col in ((row[v_winner].strip(), v_wtext), (row[v_loser].strip(), v_ltext)):
            if idea and idea not in texts and idea not in missing:
                missing[idea] = (row.get(text_col) or "").strip() if text_col else ""
    if missing:
        result.notes.append(f"{len(missing)} ideas found only in the votes file were added from their text")

    # One pass over the answers: who answered, when, and which repeat of a pair it was.
    answers: list[dict[str, Any]] = []
    repeats: dict[tuple[str, str, str], int] = {}
    firsts: dict[str, datetime] = {}

    def session_for(session: str, a: str, b: str) -> str:
        low, high = sorted((a, b))
        n = repeats.get((session, low, high), 0)
        repeats[(session, low, high)] = n + 1
        return session if n == 0 else f"{session}#{n + 1}"

    def when(row: dict[str, str], col: str | None) -> datetime:
        try:
            moment = formats.parse_aoi_time(row.get(col, "")) if col else None
        except ValueError:
            moment = None
        return moment or now

    invalid = 0
    for row in votes:
        if v_valid and not truthy(row[v_valid]):
            invalid += 1
            continue
        winner, loser = row[v_winner].strip(), row[v_loser].strip()
        if not winner or not loser or winner == loser:
            result.skipped["votes without two different ideas"] = (
                result.skipped.get("votes without two different ideas", 0) + 1
            )
            continue
        left, right = (row[v_left].strip() if v_left else "", row[v_right].strip() if v_right else "")
        if {left, right} != {winner, loser}:
            left, right = winner, loser
        answered = when(row, v_created)
        seconds = _seconds(row.get(v_time)) if v_time else None
        who = session_for(row[v_session].strip(), left, right)
        firsts[who] = min(firsts.get(who, answered), answered)
        answers.append(
            {
                "who": who,
                "left": left,
                "right": right,
                "outcome": "left" if winner == left else "right",
                "reason": None,
                "answered_at": answered,
                "served_at": answered - timedelta(seconds=seconds) if seconds else answered,
            }
        )
    if invalid:
        result.skipped["votes marked invalid (Valid = FALSE) by All Our Ideas"] = invalid

    if skips:
        s_type, s_session = column(skips, non_votes, "Record Type"), column(skips, non_votes, "Session ID")
        s_left, s_right = column(skips, non_votes, "Left Choice ID"), column(skips, non_votes, "Right Choice ID")
        s_reason, s_created = (
            column(skips, non_votes, "Reason", required=False),
            column(skips, non_votes, "Created at", required=False),
        )
        s_valid, s_time = (
            column(skips, non_votes, "Valid", required=False),
            column(skips, non_votes, "Response Time (s)", required=False),
        )
        left_out = 0
        for row in skips:
            left, right = row[s_left].strip(), row[s_right].strip()
            known = all(idea in texts or idea in missing for idea in (left, right))
            if row[s_type].strip() != "Skip" or (s_valid and not truthy(row[s_valid])) or left == right or not known:
                left_out += 1
                continue
            answered = when(row, s_created)
            seconds = _seconds(row.get(s_time)) if s_time else None
            who = session_for(row[s_session].strip(), left, right)
            firsts[who] = min(firsts.get(who, answered), answered)
            reason = (row.get(s_reason) or "").strip() if s_reason else ""
            answers.append(
                {
                    "who": who,
                    "left": left,
                    "right": right,
                    "outcome": "cant_decide",
                    "reason": reason[:32] if reason and reason != "NA" else None,
                    "answered_at": answered,
                    "served_at": answered - timedelta(seconds=seconds) if seconds else answered,
                }
            )
        if left_out:
            result.skipped["non_votes rows that are bounces, invalid, or not about two known ideas"] = left_out

    # Authors of user-submitted ideas are participants too.
    authors: dict[str, str] = {}
    for row in ideas:
        creator = row[i_session].strip() if i_session else ""
        if i_user and truthy(row[i_user], default=False) and creator:
            authors[row[i_id].strip()] = creator
            created = when(row, i_created)
            firsts[creator] = min(firsts.get(creator, created), created)

    moments = [a["answered_at"] for a in answers]
    split = sum(1 for n in repeats.values() if n > 1)
    if split:
        result.notes.append(
            f"{split} pairs answered more than once by the same session: the later answers are "
            "kept under extra participants of that session (<session>#2, …)"
        )

    async with db.session() as session:
        all_texts = [texts[k] for k in texts] + [missing[k] for k in missing]
        consultation, item = await new_consultation(
            session,
            slug=slug,
            title=title or f"All Our Ideas {survey}".strip(),
            intro="",
            language=language,
            kind="pairs",
            item_key="ideas",
            prompt=title or "Which idea is better?",
            texts=[t or "(no text)" for t in all_texts],
            citizen_proposals=bool(authors),
            opens_at=min(moments) if moments else None,
            closes_at=max(moments) if moments else None,
        )
        people = await add_participants(session, consultation.id, SOURCE, firsts)
        result.participants = len(people)

        proposals, inactive = {}, []
        idea_rows = {row[i_id].strip(): row for row in ideas}
        for idea in list(texts) + list(missing):
            row = idea_rows.get(idea, {})
            if i_active and row and not truthy(row.get(i_active)):
                inactive.append(idea)
            created = when(row, i_created) if row else now
            proposal = proposal_row(
                item.id,
                texts.get(idea) or missing.get(idea) or "(no text)",
                language,
                author_id=people.get(authors[idea]) if idea in authors else None,
                created_at=created,
            )
            session.add(proposal)
            proposals[idea] = proposal
        await session.flush()
        await bulk_insert(
            session,
            ImportedRef,
            [
                *(
                    {
                        "consultation_id": consultation.id,
                        "source": SOURCE,
                        "kind": "proposal",
                        "external_id": idea[:64],
                        "local_id": str(p.id),
                    }
                    for idea, p in proposals.items()
                ),
                *(
                    {
                        "consultation_id": consultation.id,
                        "source": SOURCE,
                        "kind": "inactive",
                        "external_id": idea[:64],
                        "local_id": str(proposals[idea].id),
                    }
                    for idea in inactive
                ),
            ],
        )
        if inactive:
            result.notes.append(
                f"{len(inactive)} ideas were inactive in All Our Ideas ({', '.join(inactive[:10])}): "
                "they stay in the ranking, as the wins and losses of the ideas they met count them; "
                "the All Our Ideas export marks them Active = FALSE again"
            )
        result.proposals = len(proposals)

        progress = Progress("pairs", len(answers))

        def rows():
            for a in answers:
                left, right = proposals[a["left"]].id, proposals[a["right"]].id
                yield {
                    "token": _token(),
                    "participant_id": people[a["who"]],
                    "item_id": item.id,
                    "left_id": left,
                    "right_id": right,
                    "low_id": min(left, right),
                    "high_id": max(left, right),
                    "served_at": a["served_at"],
                    "outcome": a["outcome"],
                    "reason": a["reason"],
                    "after_skip": False,
                    "answered_at": a["answered_at"],
                }

        await bulk_insert(session, PairPrompt, rows(), progress)
        progress.close()
        result.votes = sum(1 for a in answers if a["outcome"] != "cant_decide")
        await session.flush()

        counts = await aoi_idea_counts(session, [item.id])
        result.check = compare_with_ideas(ideas, ideas_path, proposals, counts)
        await session.commit()
    return result


def compare_with_ideas(
    ideas: list[dict[str, str]], path: Path, proposals: dict[str, Any], counts: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    """Wins, losses and score of every idea, recomputed from the stored answers, against the ideas file."""
    wins_col, losses_col = column(ideas, path, "Wins", required=False), column(ideas, path, "Losses", required=False)
    score_col = column(ideas, path, "Score", required=False)
    if not (wins_col and losses_col):
        return {"ok": True, "checked": 0, "summary": "the ideas file has no Wins/Losses columns to compare with"}
    differences = []
    for row in ideas:
        idea = row[column(ideas, path, "Idea ID")].strip()
        got = counts.get(proposals[idea].id, {"wins": 0, "losses": 0})
        mine = {"wins": got["wins"], "losses": got["losses"]}
        theirs = {"wins": int(row[wins_col]), "losses": int(row[losses_col])}
        if score_col and row[score_col].strip():
            try:
                theirs["score"] = Decimal(row[score_col].strip())
                mine["score"] = formats.aoi_score(got["wins"], got["losses"], _decimals(row[score_col].strip()))
            except InvalidOperation:
                pass
        if mine != theirs:
            differences.append(
                {
                    "idea": idea,
                    "file": {k: str(v) for k, v in theirs.items()},
                    "imported": {k: str(v) for k, v in mine.items()},
                }
            )
    checked = len(ideas)
    summary = (
        f"wins, losses and score of all {checked} ideas match the ideas file"
        if not differences
        else f"{len(differences)} of {checked} ideas differ from the ideas file"
    )
    return {"ok": not differences, "checked": checked, "differences": differences[:20], "summary": summary}
