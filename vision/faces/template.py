"""Face templates: L2-normalised 128-d float32 embeddings, stored as 512 little-endian bytes.

A template is personal data: the store encrypts the bytes; vision only holds them in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EMBEDDING_SIZE = 128

# Cosine similarity at or above which a gallery hit is reported as a candidate. Chosen for a
# false-positive identification rate <= 0.003 on a 10,000-face gallery; how it was measured is in
# docs/VISION.md and benchmarks/vision_threshold.py.
MATCH_THRESHOLD = 0.93


def normalise(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vector))
    if vector.size != EMBEDDING_SIZE or not np.isfinite(norm) or norm == 0:
        raise ValueError(f"not a usable {EMBEDDING_SIZE}-d embedding")
    return vector / norm


@dataclass(frozen=True, eq=False)
class Template:
    vector: np.ndarray  # float32, shape (128,), unit length

    def __post_init__(self) -> None:
        object.__setattr__(self, "vector", normalise(self.vector))
        self.vector.setflags(write=False)

    def to_bytes(self) -> bytes:
        return self.vector.astype("<f4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Template:
        if len(data) != EMBEDDING_SIZE * 4:
            raise ValueError(f"template must be {EMBEDDING_SIZE * 4} bytes, got {len(data)}")
        return cls(np.frombuffer(data, dtype="<f4").astype(np.float32))

    def similarity(self, other: Template | np.ndarray) -> float:
        vector = other.vector if isinstance(other, Template) else normalise(other)
        return float(self.vector @ vector)
