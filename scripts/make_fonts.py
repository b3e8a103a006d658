"""Makes the bundled CJK font: resources/fonts/NotoSansSC-{Regular,Bold}.ttf.

Source, pinned: the npm package @expo-google-fonts/noto-sans-sc 0.4.3 (Google Fonts "Noto Sans SC" v40,
font version 2.004, OFL-1.1; licence in the package's LICENSE_FONT, copied to resources/fonts/OFL.txt).
It holds static TrueType (glyf, quadratic) instances of the variable font, unhinted, which reportlab
accepts; Debian's fonts-noto-cjk is CFF, which reportlab refuses. The two instances used:

    400Regular/NotoSansSC_400Regular.ttf  sha256 d45f67f0a7c0ca3f256950777ce6a61cc7ce5f9696d02900cbbaac25f8aa7d16
    700Bold/NotoSansSC_700Bold.ttf        sha256 9a38ae0ab28cd5a256f9ea8e00dedc688aac17f7915fcb000572990afa956b96

Each is subset (fontTools.subset, no hinting) to every character GBK can encode (so rare name
characters such as 喆堃玥珺, missing from GB2312, are there) plus ASCII, Latin-1, pinyin tone letters,
punctuation, fullwidth forms and the symbols the screens use. Only this script writes those files; the
product never downloads anything.

    python scripts/make_fonts.py [--tarball PATH]   # without --tarball it runs `npm pack` in a temp dir

Needs npm (or the tarball) and fontTools. The output is reproducible: the same source gives the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

PACKAGE = "@expo-google-fonts/noto-sans-sc@0.4.3"
SOURCES = {
    "NotoSansSC-Regular.ttf": (
        "package/400Regular/NotoSansSC_400Regular.ttf",
        "d45f67f0a7c0ca3f256950777ce6a61cc7ce5f9696d02900cbbaac25f8aa7d16",
    ),
    "NotoSansSC-Bold.ttf": (
        "package/700Bold/NotoSansSC_700Bold.ttf",
        "9a38ae0ab28cd5a256f9ea8e00dedc688aac17f7915fcb000572990afa956b96",
    ),
}
LICENCE_MEMBER = "package/LICENSE_FONT"
OUT_DIR = Path(__file__).resolve().parent.parent / "resources" / "fonts"

# Ranges kept besides GBK (only what the source font has survives).
EXTRA_RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1: ¥ · × ÷ ° ±
    (0x0100, 0x017F),  # Latin Extended-A: pinyin ā ē ī ō ū
    (0x01CD, 0x01DC),  # pinyin ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ
    (0x02C6, 0x02DD),  # spacing tone marks
    (0x2000, 0x206F),  # general punctuation: – — ‘ ’ “ ” … ‰ ※
    (0x20A0, 0x20CF),  # currency signs
    (0x2100, 0x214F),  # letterlike: № ℃ ™
    (0x2150, 0x218F),  # number forms: Ⅰ Ⅱ Ⅲ
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # maths: ≤ ≥ ≠
    (0x2460, 0x24FF),  # enclosed numbers: ① ②
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes: ● ○ ▲ ■ □
    (0x2600, 0x26FF),  # misc symbols: ★ ☆
    (0x2700, 0x27BF),  # dingbats: ✓ ✔ ✗ ✘
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、 。 「 」 【 】
    (0x3200, 0x32FF),  # enclosed CJK: ㈠
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # fullwidth forms: ， ： （ ） ０-９
]


def gbk_characters() -> set[int]:
    """Every code point the GBK codec can encode (double-byte area 0x81-0xFE × 0x40-0xFE)."""
    found = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            if trail == 0x7F:
                continue
            try:
                text = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                continue
            found.add(ord(text))
    return found


def wanted_characters() -> set[int]:
    wanted = gbk_characters()
    for first, last in EXTRA_RANGES:
        wanted.update(range(first, last + 1))
    return wanted


def fetch_tarball(workdir: Path) -> Path:
    subprocess.run(["npm", "pack", "--silent", PACKAGE], cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    (tarball,) = workdir.glob("*.tgz")
    return tarball


def extract(tarball: Path, workdir: Path) -> dict[str, Path]:
    members = [member for member, _ in SOURCES.values()] + [LICENCE_MEMBER]
    with tarfile.open(tarball) as archive:
        archive.extractall(workdir, members=[archive.getmember(m) for m in members], filter="data")
    paths = {}
    for out_name, (member, sha256) in SOURCES.items():
        path = workdir / member
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != sha256:
            sys.exit(f"make_fonts: {member} has sha256 {digest}, expected {sha256}")
        paths[out_name] = path
    return paths


def make_subset(source: Path, target: Path, unicodes: set[int]) -> None:
    options = subset.Options()
    options.hinting = False  # unhinted keeps the files small; Qt and reportlab render well without it
    options.desubroutinize = True
    options.layout_features = ["*"]  # keep locl/vert/ccmp so punctuation and vertical forms stay right
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    font = TTFont(source, recalcTimestamp=False)  # keep the source's date: the same input gives the same bytes
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(unicodes))
    subsetter.subset(font)
    font.save(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help=f"a local copy of `npm pack {PACKAGE}`")
    args = parser.parse_args(argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        tarball = args.tarball.resolve() if args.tarball else fetch_tarball(workdir)
        sources = extract(tarball, workdir)
        unicodes = wanted_characters()
        for out_name, source in sources.items():
            target = OUT_DIR / out_name
            make_subset(source, target, unicodes)
            kept = len(TTFont(target).getBestCmap())
            print(f"{target.relative_to(OUT_DIR.parent.parent)}: {kept} characters, "
                  f"{target.stat().st_size / 1e6:.1f} MB")
        shutil.copyfile(workdir / LICENCE_MEMBER, OUT_DIR / "OFL.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
