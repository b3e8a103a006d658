"""The shared test photos (../shared/faces) with their identities, for the vision benchmarks."""

from __future__ import annotations

from pathlib import Path

FACES_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "faces"


def identity_of(path: Path) -> str | None:
    """The person in a single-face photo, from its folder or file name; None for group photos."""
    name = path.stem.lower()
    if path.parent.parent.name == "train":
        return path.parent.name
    for key, person in [
        ("obama_and_biden", None),
        ("two_people", None),
        ("kit_with_rose", None),
        ("obama", "obama"),
        ("32bit", "obama"),
        ("biden", "biden"),
        ("alex", "alex_lacamoire"),
        ("johnsnow", "kit_harington"),
        ("lin-manuel", "lin_manuel_miranda"),
    ]:
        if key in name:
            return person
    return None


def single_face_photos() -> list[tuple[Path, str]]:
    photos = []
    for path in sorted(FACES_DIR.rglob("*")):
        if path.suffix.lower() in {".jpg", ".jpeg", ".png"}:
            person = identity_of(path)
            if person:
                photos.append((path, person))
    return photos
