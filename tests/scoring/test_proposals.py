import pytest

from api.scoring.proposals import (
    VoteCounts,
    Zone,
    controversy_ranking,
    controversy_score,
    score_proposal,
    score_proposals,
    top_ranking,
    top_score,
    zone_of,
)


def test_zones_for_clear_cases():
    assert zone_of(VoteCounts(agree=90, disagree=5, neutral=5)) is Zone.CONSENSUS
    assert zone_of(VoteCounts(agree=5, disagree=90, neutral=5)) is Zone.REJECTION
    assert zone_of(VoteCounts(agree=45, disagree=45, neutral=10)) is Zone.CONTROVERSY
    assert zone_of(VoteCounts(agree=3)) is Zone.LIMBO  # too few votes
    assert zone_of(VoteCounts(agree=10, disagree=10, neutral=80)) is Zone.LIMBO  # mostly neutral


def test_small_samples_stay_in_limbo_until_the_evidence_is_there():
    assert zone_of(VoteCounts(agree=7, disagree=3)) is Zone.LIMBO
    assert zone_of(VoteCounts(agree=70, disagree=30)) is Zone.CONSENSUS
    assert zone_of(VoteCounts(agree=3, disagree=3, neutral=4)) is Zone.LIMBO
    assert zone_of(VoteCounts(agree=20, disagree=20, neutral=5)) is Zone.CONTROVERSY


def test_agreement_by_a_minority_of_voters_is_not_a_consensus():
    # 2:1 among those who decided, but only 40 % of all voters agree.
    assert zone_of(VoteCounts(agree=40, disagree=15, neutral=45)) is not Zone.CONSENSUS


def test_top_score_rewards_enthusiasm_and_penalises_platitudes():
    liked = VoteCounts(agree=80, agree_like_it=80, disagree=20)
    plain = VoteCounts(agree=80, disagree=20)
    platitude = VoteCounts(agree=80, agree_platitude=80, disagree=20)
    assert top_score(liked) > top_score(plain) > top_score(platitude)


def test_top_score_penalises_disagreement_and_rewards_sample_size():
    assert top_score(VoteCounts(agree=80, disagree=20)) > top_score(VoteCounts(agree=60, disagree=40))
    assert top_score(VoteCounts(agree=60, neutral=40)) > top_score(VoteCounts(agree=60, disagree=40))
    # Same shares, ten times the votes: more certain, higher lower bound.
    assert top_score(VoteCounts(agree=300, agree_like_it=300)) > top_score(VoteCounts(agree=3, agree_like_it=3))
    assert top_score(VoteCounts()) == 0.0


def test_controversy_score_needs_two_large_balanced_camps():
    split = controversy_score(VoteCounts(agree=500, disagree=500))
    assert split > 0.9
    assert controversy_score(VoteCounts(agree=5, disagree=5)) < split  # small sample damped
    assert controversy_score(VoteCounts(agree=900, disagree=100)) < 0.25  # one camp small
    assert controversy_score(VoteCounts(agree=100, disagree=100, neutral=800)) < 0.25  # mostly neutral
    assert controversy_score(VoteCounts()) == 0.0


def test_score_proposal_reports_shares_with_intervals_and_qualifications():
    counts = VoteCounts.from_votes(
        [("agree", "like_it")] * 6 + [("agree", None)] * 2 + [("disagree", "no_way")] * 1 + [("neutral", None)]
    )
    assert (counts.agree, counts.disagree, counts.neutral) == (8, 1, 1)
    result = score_proposal(counts)
    assert result.votes == 10
    assert result.agree.value == pytest.approx(0.8)
    assert result.agree.low == pytest.approx(0.4902, abs=1e-4)
    assert result.agree.high == pytest.approx(0.9433, abs=1e-4)
    assert result.qualifications["agree"]["like_it"].value == pytest.approx(6 / 8)
    assert result.qualifications["disagree"]["no_way"].count == 1
    assert result.agree_among_decided.n == 9
    assert result.zone in set(Zone)


def test_from_rows_matches_group_by_output_and_validates():
    counts = VoteCounts.from_rows([("agree", "doable", 4), ("agree", None, 1), ("disagree", "platitude", 2)])
    assert counts.agree == 5 and counts.agree_doable == 4 and counts.disagree_platitude == 2
    with pytest.raises(ValueError):
        VoteCounts.from_rows([("maybe", None, 1)])
    with pytest.raises(ValueError):
        VoteCounts.from_rows([("agree", "no_way", 1)])
    with pytest.raises(ValueError):
        VoteCounts(agree=1, agree_like_it=2)


def test_rankings_order_by_score():
    scores = score_proposals(
        {
            1: VoteCounts(agree=90, agree_like_it=60, disagree=10),
            2: VoteCounts(agree=50, disagree=50),
            3: VoteCounts(agree=10, disagree=90),
        }
    )
    assert top_ranking(scores) == [1, 2, 3]
    assert controversy_ranking(scores)[0] == 2


def test_the_vectorised_table_matches_the_scalar_scores():
    import numpy as np

    from api.scoring.proposals import COUNT_FIELDS, QUALIFICATIONS, ZONE_CODES, score_table

    rng = np.random.default_rng(5)
    rows = []
    for _ in range(3000):
        scale = int(rng.choice([0, 3, 12, 40, 400]))
        choices = rng.multinomial(scale, rng.dirichlet([1, 1, 1]))
        counts = dict(zip(("agree", "disagree", "neutral"), map(int, choices)))
        for choice, names in QUALIFICATIONS.items():
            split = rng.multinomial(counts[choice], rng.dirichlet([1] * (len(names) + 1)))
            counts.update({f"{choice}_{name}": int(k) for name, k in zip(names, split)})
        rows.append(VoteCounts(**counts))
    table = score_table(np.array([[getattr(c, f) for f in COUNT_FIELDS] for c in rows]))
    for i, counts in enumerate(rows):
        scalar = score_proposal(counts)
        assert ZONE_CODES[table.zone[i]] is scalar.zone
        assert table.top_score[i] == pytest.approx(scalar.top_score, abs=1e-12)
        assert table.controversy_score[i] == pytest.approx(scalar.controversy_score, abs=1e-12)
        assert (table.low[i, 0], table.high[i, 0]) == pytest.approx((scalar.agree.low, scalar.agree.high), abs=1e-12)
        assert table.agree_decided_low[i] == pytest.approx(scalar.agree_among_decided.low, abs=1e-12)
        like_it = COUNT_FIELDS.index("agree_like_it")
        assert table.low[i, like_it] == pytest.approx(scalar.qualifications["agree"]["like_it"].low, abs=1e-12)
    scores = {i: score_proposal(c) for i, c in enumerate(rows)}
    assert table.ranking().tolist() == top_ranking(scores)
    assert table.controversy_ranking().tolist() == controversy_ranking(scores)
