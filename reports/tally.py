"""A scope's figures over a period as the daily rows give them (reports/rollup.py fills one from the
kept days and the days counted now; the figure modules read it)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

PER_DAY = ("visits", "groups")  # measures read day by day (the rest are summed over the period)


@dataclass
class Tally:
    """A scope's rows over a period: per day for `visits` and `groups`, summed for the rest."""

    by_day: dict[tuple[date, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    sums: dict[tuple[str, str, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, day: date, measure: str, key: str, detail: str, n: int, m: int) -> None:
        if measure in PER_DAY:
            cell = self.by_day[(day, measure)]
        else:
            cell = self.sums[(measure, key, detail)]
        cell[0] += int(n)
        cell[1] += int(m)

    def day(self, day: date, measure: str) -> tuple[int, int]:
        n, m = self.by_day.get((day, measure), (0, 0))
        return n, m

    def keyed(self, measure: str) -> dict[str, tuple[int, int]]:
        """key -> (n, m) of a measure without details."""
        return {key: (n, m) for (name, key, _detail), (n, m) in self.sums.items() if name == measure}
