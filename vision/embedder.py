"""Face embeddings in a worker process, so the live preview keeps running while a face is embedded.

dlib's ResNet holds Python's GIL for the whole ~90 ms of an embedding (measured: a thread beside it
stops for the full time), so in a thread it would freeze the tracker and the kiosk's GUI thread
alike. One worker process (spawned: no Qt, no mediapipe state inherited) takes the face's
neighbourhood and the tracked box and answers with the 128-d embedding.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

from vision.faces.pipeline import Box, FacePipeline
from vision.lifeline import end_with_parent

_pipeline: FacePipeline | None = None


def _start() -> None:
    global _pipeline
    end_with_parent()  # a killed kiosk must not leave this process (and its models) behind
    _pipeline = FacePipeline()


def _ready() -> bool:
    return _pipeline is not None


def _embed(crop: np.ndarray, box: Box) -> np.ndarray:
    assert _pipeline is not None
    embedding = _pipeline.analyse_box(crop, box).embedding
    assert embedding is not None
    return embedding


def neighbourhood(frame: np.ndarray, box: Box, margin: float = 0.6) -> tuple[np.ndarray, Box]:
    """The part of the frame the 5 landmarks and the aligned chip need, and the box in its coordinates:
    a tenth of the pixels to send across."""
    left, top, right, bottom = box
    pad = int(margin * (right - left))
    x0, y0 = max(0, left - pad), max(0, top - pad)
    x1, y1 = min(frame.shape[1], right + pad), min(frame.shape[0], bottom + pad)
    return np.ascontiguousarray(frame[y0:y1, x0:x1]), (left - x0, top - y0, right - x0, bottom - y0)


class EmbeddingWorker:
    """`submit(frame, box)` → a Future of the unit-length embedding. Start it once per kiosk (the
    process loads the models in about a second); `close()` ends it."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_start)

    def submit(self, frame: np.ndarray, box: Box) -> Future[np.ndarray]:
        crop, local_box = neighbourhood(frame, box)
        return self._pool.submit(_embed, crop, local_box)

    def warm_up(self) -> None:
        """Wait until the worker has its models (so the first visitor does not wait for them)."""
        self._pool.submit(_ready).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> EmbeddingWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
