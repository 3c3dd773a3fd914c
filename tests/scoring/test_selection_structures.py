import random
from collections import Counter

import pytest

from api.scoring.hearing_queue import HearingQueue
from api.scoring.weighted_sampler import WeightedSampler


def test_weighted_sampler_draws_in_proportion_and_never_zero_weights():
    sampler = WeightedSampler([1.0, 0.0, 3.0])
    sampler.set(40, 4.0)  # grows
    sampler.set(2, 5.0)
    rnd = random.Random(0)
    draws = Counter(sampler.sample(rnd.random()) for _ in range(20000))
    assert set(draws) == {0, 2, 40}
    assert draws[0] / 20000 == pytest.approx(0.1, abs=0.01)
    assert draws[2] / 20000 == pytest.approx(0.5, abs=0.015)
    assert draws[40] / 20000 == pytest.approx(0.4, abs=0.015)
    assert sampler.total == pytest.approx(10.0)


def test_weighted_sampler_empty_returns_none():
    sampler = WeightedSampler()
    assert sampler.sample(0.3) is None
    sampler.set(3, 1.0)
    sampler.set(3, 0.0)
    assert sampler.sample(0.3) is None


def test_hearing_queue_orders_by_count_then_age_and_peek_is_harmless():
    queue = HearingQueue(quota=3)
    for slot in (5, 1, 3):
        queue.update(slot, 0)
    queue.update(1, 1)
    assert queue.peek(10) == [3, 5, 1]
    assert queue.peek(2) == [3, 5]
    queue.update(3, 3)  # reached the quota: leaves
    queue.discard(5)
    assert queue.peek(10) == [1]
    assert len(queue) == 1
