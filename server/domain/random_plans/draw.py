"""The draw itself (抽取): pure, so that the same seed and pools always give the same plan.

Inputs are plain data recorded with the plan: the seed, the estate pool, the inspector pool and
who may not go where. Python's `random.Random` seeded with a string is stable across Python
versions (it hashes the string with SHA-512), so a plan drawn today re-draws identically later.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ALGORITHM = "xuncha-draw-1"


class DrawError(ValueError):
    """The pools cannot give the plan asked for; the message is for the user (zh / en)."""


@dataclass(frozen=True)
class DrawnEntry:
    estate_id: str
    inspector_ids: tuple[str, str]


def draw_plan(seed: str, estate_pool: Sequence[str], inspector_pool: Sequence[str],
              exclusions: Mapping[str, Mapping[str, str]], estate_count: int,
              algorithm: str = ALGORITHM) -> list[DrawnEntry]:
    """K estates without replacement, then for each (in draw order) a pair of inspectors.

    Pools are sorted first, so the order rows came from the database does not matter. Each pair
    is taken from the eligible inspectors after a shuffle, those with fewer visits in this plan
    first, so work spreads evenly while every eligible pair stays possible."""
    if algorithm != ALGORITHM:
        raise DrawError(f"不认识的抽取算法 {algorithm} (unknown draw algorithm)")
    estates = sorted(set(estate_pool))
    inspectors = sorted(set(inspector_pool))
    if estate_count < 1:
        raise DrawError("抽取数量至少为 1 (draw at least one estate)")
    if estate_count > len(estates):
        raise DrawError(f"符合条件的小区只有 {len(estates)} 个，不能抽取 {estate_count} 个 "
                        f"(only {len(estates)} estates match)")
    rng = random.Random(f"{algorithm}:{seed}")
    drawn = rng.sample(estates, estate_count)
    load = dict.fromkeys(inspectors, 0)
    entries = []
    for estate_id in drawn:
        barred = exclusions.get(estate_id, {})
        eligible = [i for i in inspectors if i not in barred]
        if len(eligible) < 2:
            raise DrawError(f"小区 {estate_id} 可派的检查人员不足两人 "
                            "(fewer than two eligible inspectors for an estate)")
        rng.shuffle(eligible)
        eligible.sort(key=lambda i: load[i])  # stable: ties keep the shuffled order
        pair = tuple(sorted(eligible[:2]))
        for inspector_id in pair:
            load[inspector_id] += 1
        entries.append(DrawnEntry(estate_id, pair))  # type: ignore[arg-type]
    return entries
