"""1:N search over face templates held in memory.

The store (db/, the core issue) keeps templates encrypted and hands them over, decrypted, at start;
nothing here writes them anywhere. A match is evidence with a score for a person to confirm, never a
verdict: the kiosk and console show it as "可能是 …", and the judge never sees it alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from vision.faces.template import EMBEDDING_SIZE, MATCH_THRESHOLD, Template, normalise

DEFAULT_TEMPLATES_PER_CUSTOMER = 5


@dataclass(frozen=True)
class Match:
    customer_id: str
    score: float  # cosine similarity of the best template, -1…1

    @property
    def is_candidate(self) -> bool:
        """At or above the FPIR-calibrated threshold: worth showing to the receptionist."""
        return self.score >= MATCH_THRESHOLD


class Gallery(Protocol):
    def add(self, customer_id: str, template: Template) -> list[Template]: ...
    def remove(self, customer_id: str) -> None: ...
    def search(self, embedding: np.ndarray | Template, k: int = 5) -> list[Match]: ...


class InMemoryGallery:
    """Templates in one contiguous float32 matrix, so a search is one matrix-vector product.

    Thread-safe: the camera worker searches while the console thread adds or removes customers.
    """

    def __init__(self, templates_per_customer: int = DEFAULT_TEMPLATES_PER_CUSTOMER, capacity: int = 1024):
        self.templates_per_customer = templates_per_customer
        self._matrix = np.zeros((capacity, EMBEDDING_SIZE), dtype=np.float32)
        self._owners: list[str] = []  # customer id of each row
        self._rows: dict[str, list[int]] = {}
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def template_count(self) -> int:
        return len(self._owners)

    def templates(self, customer_id: str) -> list[Template]:
        with self._lock:
            return [Template(self._matrix[row].copy()) for row in self._rows.get(customer_id, [])]

    def load(self, records: Iterable[tuple[str, bytes]], decrypt: Callable[[bytes], bytes] = bytes) -> int:
        """Bulk-load (customer id, stored template) pairs at start; `decrypt` is the store's."""
        count = 0
        for customer_id, blob in records:
            self.add(customer_id, Template.from_bytes(decrypt(blob)))
            count += 1
        return count

    def add(self, customer_id: str, template: Template) -> list[Template]:
        """Add a template; past the per-customer limit, the most redundant one goes (returned, so the
        store can delete it too): keeping varied templates covers more lighting and poses."""
        with self._lock:
            current = self.templates(customer_id) + [template]
            evicted: list[Template] = []
            while len(current) > self.templates_per_customer:
                vectors = np.stack([t.vector for t in current])
                similarity = vectors @ vectors.T
                np.fill_diagonal(similarity, 0)
                evicted.append(current.pop(int(similarity.sum(axis=1).argmax())))
            self._remove_rows(customer_id)
            for kept in current:
                self._append(customer_id, kept.vector)
            return evicted

    def remove(self, customer_id: str) -> None:
        with self._lock:
            self._remove_rows(customer_id)

    def search(self, embedding: np.ndarray | Template, k: int = 5) -> list[Match]:
        """The k best customers (not templates), best first, whatever their score."""
        query = embedding.vector if isinstance(embedding, Template) else normalise(embedding)
        with self._lock:
            count = len(self._owners)
            if count == 0 or k <= 0:
                return []
            scores = self._matrix[:count] @ query
            # A customer can hold several of the best rows: take enough rows to fill k customers.
            wanted = min(count, k * self.templates_per_customer)
            best_rows = np.argpartition(-scores, wanted - 1)[:wanted] if wanted < count else np.arange(count)
            best_rows = best_rows[np.argsort(-scores[best_rows], kind="stable")]
            matches: dict[str, float] = {}
            for row in best_rows:
                owner = self._owners[row]
                if owner not in matches:
                    matches[owner] = float(scores[row])
                    if len(matches) == k:
                        break
        return [Match(customer_id, score) for customer_id, score in matches.items()]

    def _append(self, customer_id: str, vector: np.ndarray) -> None:
        row = len(self._owners)
        if row == len(self._matrix):
            self._matrix = np.concatenate([self._matrix, np.zeros_like(self._matrix)])
        self._matrix[row] = vector
        self._owners.append(customer_id)
        self._rows.setdefault(customer_id, []).append(row)

    def _remove_rows(self, customer_id: str) -> None:
        rows = self._rows.pop(customer_id, [])
        # Fill each hole with the last row, so the matrix stays dense; wiping the old row keeps a
        # removed customer's template from lingering in memory.
        for row in sorted(rows, reverse=True):
            last = len(self._owners) - 1
            if row != last:
                moved_owner = self._owners[last]
                self._matrix[row] = self._matrix[last]
                self._owners[row] = moved_owner
                moved_rows = self._rows[moved_owner]
                moved_rows[moved_rows.index(last)] = row
            self._matrix[last] = 0
            self._owners.pop()
