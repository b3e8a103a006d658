"""Choose the match threshold for a false-positive identification rate (FPIR) <= 0.003 on a 10,000-face
gallery, and print how it was measured.

    python -m benchmarks.vision_threshold [--gallery 10000] [--probes 20000]

No labelled face set of 10,000 people ships with the project (and none may be downloaded), so the
impostor side is a model fitted to the real photos: synthetic identities drawn from a Gaussian whose
mean is the photos' mean embedding and whose covariance is the photos' covariance shrunk towards
isotropic, scaled until synthetic impostor pairs have the same cosine mean AND spread as the real
impostor pairs. FPIR is then counted, not extrapolated: 10,000 enrolled synthetic identities, N
non-mated probes, FPIR(t) = share of probes whose best gallery score is >= t. The mated side (FNIR) is
measured on the real photos against the real enrolments plus the 10,000 synthetic distractors.
With a site's own labelled faces, pass --faces DIR (DIR/<person>/*.jpg) to measure on real people.
"""

from __future__ import annotations

import argparse
import itertools
from collections import defaultdict
from pathlib import Path

import numpy as np

from benchmarks.vision_photos import FACES_DIR, single_face_photos
from vision.faces import FacePipeline
from vision.images import load_image

TARGET_FPIR = 0.003


def real_embeddings(faces_dir: Path | None) -> dict[str, list[np.ndarray]]:
    if faces_dir is None:
        photos = single_face_photos()
    else:
        photos = [(p, p.parent.name) for p in sorted(faces_dir.glob("*/*")) if p.suffix.lower() in {".jpg", ".jpeg", ".png"}]
    pipeline = FacePipeline.for_photos()
    by_person: dict[str, list[np.ndarray]] = defaultdict(list)
    seen: set[bytes] = set()
    for path, person in photos:
        data = path.read_bytes()
        if data in seen:  # the shared folder holds copies of the same photo
            continue
        seen.add(data)
        faces = pipeline.analyse(load_image(path), max_faces=1)
        if faces and faces[0].embedding is not None:
            by_person[person].append(faces[0].embedding)
    return dict(by_person)


def pair_scores(by_person: dict[str, list[np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    items = [(person, vector) for person, vectors in by_person.items() for vector in vectors]
    genuine, impostor = [], []
    for (p1, v1), (p2, v2) in itertools.combinations(items, 2):
        (genuine if p1 == p2 else impostor).append(float(v1 @ v2))
    return np.array(genuine), np.array(impostor)


class SyntheticFaces:
    """Unit vectors x = normalise(mean + L z), L L^T = scale * shrink(covariance, alpha)."""

    def __init__(self, vectors: np.ndarray, alpha: float, scale: float, seed: int = 1):
        self.mean = vectors.mean(axis=0)
        covariance = np.cov(vectors - self.mean, rowvar=False)
        isotropic = np.eye(len(self.mean)) * np.trace(covariance) / len(self.mean)
        shrunk = alpha * covariance + (1 - alpha) * isotropic
        values, vectors_ = np.linalg.eigh(shrunk)
        self.factor = vectors_ * np.sqrt(np.clip(values, 0, None) * scale)
        self.rng = np.random.default_rng(seed)

    def sample(self, count: int) -> np.ndarray:
        raw = self.mean + self.rng.standard_normal((count, len(self.mean))) @ self.factor.T
        return (raw / np.linalg.norm(raw, axis=1, keepdims=True)).astype(np.float32)


def fit_synthetic(vectors: np.ndarray, impostor: np.ndarray) -> tuple[SyntheticFaces, float, float]:
    """Grid over alpha; for each, bisect the scale to match the impostor mean; keep the alpha whose
    impostor spread is closest to (and not below) the real one."""
    best = None
    for alpha in np.linspace(0.0, 1.0, 11):
        low, high = 1e-3, 100.0
        for _ in range(30):
            scale = float(np.sqrt(low * high))
            sample = SyntheticFaces(vectors, alpha, scale).sample(600)
            scores = (sample[:300] @ sample[300:].T).ravel()
            if scores.mean() > impostor.mean():
                low = scale
            else:
                high = scale
        spread_gap = scores.std() - impostor.std()
        key = (spread_gap < 0, abs(spread_gap))  # prefer models at least as spread out as reality
        if best is None or key < best[0]:
            best = (key, alpha, scale)
    assert best is not None
    _, alpha, scale = best
    return SyntheticFaces(vectors, alpha, scale, seed=7), alpha, scale


def best_scores(gallery: np.ndarray, probes: np.ndarray, chunk: int = 2000) -> np.ndarray:
    return np.concatenate([(probes[i : i + chunk] @ gallery.T).max(axis=1) for i in range(0, len(probes), chunk)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gallery", type=int, default=10_000)
    parser.add_argument("--probes", type=int, default=20_000)
    parser.add_argument("--faces", type=Path, default=None, help="DIR/<person>/*.jpg instead of the test photos")
    args = parser.parse_args()
    if args.faces is None and not FACES_DIR.is_dir():
        raise SystemExit(f"test photos not found at {FACES_DIR}")

    by_person = real_embeddings(args.faces)
    genuine, impostor = pair_scores(by_person)
    vectors = np.stack([v for vs in by_person.values() for v in vs])
    print(f"real photos: {len(vectors)} faces of {len(by_person)} people")
    print(f"  genuine pairs  {len(genuine):5d}: cosine mean {genuine.mean():.3f} sd {genuine.std():.3f} min {genuine.min():.3f}")
    print(f"  impostor pairs {len(impostor):5d}: cosine mean {impostor.mean():.3f} sd {impostor.std():.3f} max {impostor.max():.3f}")

    model, alpha, scale = fit_synthetic(vectors, impostor)
    gallery = model.sample(args.gallery)
    probes = model.sample(args.probes)
    check = (probes[:1000] @ gallery[:1000].T).ravel()
    print(f"synthetic model: shrinkage alpha {alpha:.1f}, scale {scale:.3f}; "
          f"impostor cosine mean {check.mean():.3f} sd {check.std():.3f}")

    top = np.sort(best_scores(gallery, probes))
    threshold = float(top[int(np.ceil(len(top) * (1 - TARGET_FPIR)))])
    print(f"non-mated searches: {len(probes)} probes x {len(gallery)} gallery")
    for t in (0.88, 0.90, 0.92, 0.93, 0.94, 0.95, threshold):
        print(f"  threshold {t:.4f}: FPIR {np.mean(top >= t):.4f}")
    print(f"threshold for FPIR <= {TARGET_FPIR}: {threshold:.4f}")

    # Mated side on the real photos: first photo of each person enrolled, the others probe.
    enrolled = {person: vs[0] for person, vs in by_person.items() if len(vs) > 1}
    names = list(enrolled)
    full_gallery = np.concatenate([np.stack([enrolled[n] for n in names]), gallery])
    hits = misses = 0
    for person in names:
        for probe in by_person[person][1:]:
            scores = full_gallery @ probe
            best = int(scores.argmax())
            if best < len(names) and names[best] == person and scores[best] >= threshold:
                hits += 1
            else:
                misses += 1
    total = hits + misses
    print(f"mated searches on real photos (10,000 synthetic distractors): {total}, "
          f"FNIR at threshold {misses / max(1, total):.3f} ({misses} missed)")


if __name__ == "__main__":
    main()
