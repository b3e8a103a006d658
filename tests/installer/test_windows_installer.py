"""The Windows installer (installer/windows/anchang.nsi) without a Windows PC: the script read as text (the
system site it makes and the one its uninstaller deletes), compiled with makensis against a stand-in for
the PyInstaller build, and installed and uninstalled silently under wine where wine is installed."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path, PureWindowsPath
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installer" / "windows" / "anchang.nsi"
PROGRAMS = ("anchang", "anchang-kiosk", "anchang-console")
SYSTEM_SITE = r"$APPDATA\Anchang"  # %ProgramData%\Anchang with SetShellVarContext all only
USERS_SID = "*S-1-5-32-545"  # BUILTIN\Users, named differently on localized Windows
PER_USER_FOLDERS = ("$LOCALAPPDATA", "$PROFILE", "$DOCUMENTS")  # $APPDATA: per user in context current
needs_makensis = pytest.mark.skipif(shutil.which("makensis") is None,
                                    reason="makensis not installed (apt-get install nsis)")


def stand_in_build(folder: Path, runtime: bool = True) -> Path:
    """What the installer takes from the one-folder build: the three programs, _internal with a data file
    and (unless `runtime` is False) the Visual C++ 2013 runtime beside the zbar DLLs."""
    dist = folder / "dist"
    (dist / "_internal" / "resources").mkdir(parents=True)
    (dist / "_internal" / "pyzbar").mkdir()
    for program in PROGRAMS:
        (dist / f"{program}.exe").write_bytes(b"MZ stand-in")
    (dist / "_internal" / "resources" / "default.toml").write_text("[site]\n")
    (dist / "_internal" / "pyzbar" / "libzbar-64.dll").write_bytes(b"MZ stand-in")
    if runtime:
        (dist / "_internal" / "pyzbar" / "msvcr120.dll").write_bytes(b"MZ stand-in")
    return dist


def compile_setup(dist: Path, setup: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["makensis", "-WX", "-V2", *options, "-DVERSION=0.0.0", f"-DDIST={dist}",
                           f"-DOUTFILE={setup}", str(SCRIPT)], capture_output=True, text=True, timeout=300)


# --- the script as text ---------------------------------------------------------------------------------


def script_lines() -> list[str]:
    """The script's statements: comments dropped, `\\` continuations joined, defines expanded."""
    text = SCRIPT.read_text(encoding="utf-8-sig")
    text = re.sub(r"\\\n\s*", " ", text)
    defines = dict(re.findall(r'^\s*!define\s+(\w+)\s+"([^"]*)"', text, re.MULTILINE))
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        for _ in range(3):  # a define may use another
            line = re.sub(r"\$\{(\w+)\}", lambda m: defines.get(m.group(1), m.group(0)), line)
        lines.append(line)
    return lines


def sections() -> dict[str, list[str]]:
    """Each section's statements by its index define (the name after the section's title)."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in script_lines():
        if line.startswith("Section "):
            current = found.setdefault(line.split()[-1], [])
        elif line == "SectionEnd":
            current = None
        elif current is not None:
            current.append(line)
    return found


def targets(statements: list[str], command: str) -> list[tuple[str, str]]:
    """(target, shell variable context in effect) of each `command` (e.g. 'RMDir /r') in order."""
    context = "current"  # NSIS's default
    found = []
    for line in statements:
        if line.startswith("SetShellVarContext "):
            context = line.split()[1]
        elif line.startswith(command + " "):
            found.append((line[len(command):].strip().strip('"'), context))
    return found


def test_the_installer_makes_the_system_site_for_the_users_group() -> None:
    program = sections()["SecProgram"]
    assert (SYSTEM_SITE, "all") in targets(program, "CreateDirectory")
    grants = [line for line in program if "icacls.exe" in line]
    assert len(grants) == 1, grants
    assert f'"{SYSTEM_SITE}" /grant {USERS_SID}:(OI)(CI)M' in grants[0]
    assert grants[0].startswith("nsExec::ExecToLog")  # a plugin of NSIS itself; the exit code is checked
    assert program[program.index(grants[0]) + 1] == "Pop $0"


def test_the_uninstallers_delete_data_deletes_the_system_site_not_the_admins_own_data() -> None:
    """The uninstaller runs as an administrator: that account's %LOCALAPPDATA% is not the office's site."""
    found = sections()
    assert targets(found["SecUnData"], "RMDir /r") == [(SYSTEM_SITE, "all")]
    for name, statements in found.items():
        if name.startswith("SecUn"):
            for command in ("RMDir /r", "RMDir", "Delete"):
                for target, context in targets(statements, command):
                    per_user = target.startswith(PER_USER_FOLDERS) or (target.startswith("$APPDATA")
                                                                        and context == "current")
                    assert not per_user, f"{name}: {command} {target} (context {context})"


def test_per_user_sites_are_named_as_kept() -> None:
    """The data section's question says what it deletes and that each user's own site stays."""
    data = " ".join(sections()["SecUnData"])
    assert SYSTEM_SITE in data and r"%LOCALAPPDATA%\anchang" in data


# --- compiled -------------------------------------------------------------------------------------------


@needs_makensis
def test_the_nsis_script_compiles(tmp_path: Path) -> None:
    """On the stand-in build: the script, its includes, languages and icons; warnings are errors."""
    setup = tmp_path / "AnchangSetup-test.exe"
    result = compile_setup(stand_in_build(tmp_path), setup)
    assert result.returncode == 0, result.stdout + result.stderr
    assert setup.read_bytes()[:2] == b"MZ"


@needs_makensis
def test_no_installer_without_the_visual_cpp_runtime_of_the_qr_reader(tmp_path: Path) -> None:
    """zbar's DLL imports MSVCR120.dll: an installer without it would read QR codes only through OpenCV."""
    setup = tmp_path / "AnchangSetup-test.exe"
    result = compile_setup(stand_in_build(tmp_path, runtime=False), setup)
    assert result.returncode != 0
    assert "msvcr120.dll" in result.stdout + result.stderr
    assert not setup.exists()


def spec_function(name: str, windows: bool) -> Callable[[], list[tuple[str, str]]]:
    """A function of installer/anchang.spec (PyInstaller runs the spec as a script, so it is not imported)."""
    tree = ast.parse((ROOT / "installer" / "anchang.spec").read_text(encoding="utf-8"))
    found: list[ast.stmt] = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name]
    namespace: dict[str, Any] = {"WINDOWS": windows, "Path": Path, "os": os}
    exec(compile(ast.Module(body=found, type_ignores=[]), "anchang.spec", "exec"), namespace)
    function: Callable[[], list[tuple[str, str]]] = namespace[name]
    return function


def test_the_windows_build_puts_the_runtime_where_the_installer_requires_it(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = tmp_path / "msvcr120.dll"
    runtime.write_bytes(b"MZ")
    monkeypatch.setenv("ANCHANG_MSVCR120", str(runtime))
    [(source, folder)] = spec_function("visual_cpp_2013_runtime", windows=True)()
    assert source == str(runtime)
    required = re.search(r'!if ! /FileExists "\$\{DIST\}/_internal/([^"]+)"', SCRIPT.read_text(encoding="utf-8-sig"))
    assert required and required.group(1) == f"{folder}/{runtime.name}"
    assert spec_function("visual_cpp_2013_runtime", windows=False)() == []


def test_the_windows_build_stops_without_the_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANCHANG_MSVCR120", str(tmp_path / "absent" / "msvcr120.dll"))
    with pytest.raises(SystemExit, match="Visual C\\+\\+ 2013 Redistributable"):
        spec_function("visual_cpp_2013_runtime", windows=True)()


# --- under wine -----------------------------------------------------------------------------------------


def wine_program() -> str | None:
    """`wine`, or Debian's wine64 package alone (its loader is not on PATH)."""
    for candidate in (shutil.which("wine"), shutil.which("wine64"), "/usr/lib/wine/wine64"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class Wine:
    """A throw-away wine prefix: Windows programs run in it, its C: drive read as files."""

    def __init__(self, program: str, prefix: Path) -> None:
        self.program = program
        self.server = shutil.which("wineserver") or str(Path(program).with_name("wineserver"))
        self.env = {**os.environ, "WINEPREFIX": str(prefix), "WINEDEBUG": "-all",
                    "WINEDLLOVERRIDES": "mscoree,mshtml="}  # no Mono or Gecko install prompt
        self.env.pop("DISPLAY", None)
        self.drive_c = prefix / "drive_c"

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        """Runs a command and waits for every process it started (an uninstaller runs from a copy)."""
        result = subprocess.run([self.program, *command], env=self.env, capture_output=True, text=True,
                                timeout=300)
        subprocess.run([self.server, "-w"], env=self.env, timeout=300, check=True)
        return result

    def folder(self, variable: str) -> Path:
        """%variable% of the prefix's user as a path on this machine."""
        result = self.run("cmd", "/c", f"echo %{variable}%")
        windows = PureWindowsPath(result.stdout.strip())
        assert windows.drive.upper() == "C:", (variable, result)
        return self.drive_c.joinpath(*windows.parts[1:])

    def stop(self) -> None:
        subprocess.run([self.server, "-k"], env=self.env, timeout=60)


def stub_target(wine: Wine, folder: Path) -> list[str]:
    """makensis options for an installer this wine runs: the shipped 32-bit one when it can run 32-bit
    programs (wine32), else the same script on NSIS's 64-bit stub (Debian's wine64 package alone)."""
    probe = folder / "probe.nsi"
    probe.write_text('Unicode true\nOutFile "probe.exe"\nSilentInstall silent\nRequestExecutionLevel user\n'
                     'Section\n  FileOpen $0 "$EXEDIR\\ran.txt" w\n  FileClose $0\nSectionEnd\n')
    subprocess.run(["makensis", "-V1", str(probe)], check=True, capture_output=True, timeout=120)
    wine.run(str(folder / "probe.exe"))
    return [] if (folder / "ran.txt").exists() else ["-XTarget amd64-unicode"]


@needs_makensis
@pytest.mark.skipif(wine_program() is None, reason="wine not installed (apt-get install wine64)")
def test_silent_install_and_uninstall_under_wine(tmp_path: Path) -> None:
    wine = Wine(str(wine_program()), tmp_path / "prefix")
    try:
        setup = tmp_path / "AnchangSetup-test.exe"
        result = compile_setup(stand_in_build(tmp_path), setup, *stub_target(wine, tmp_path))
        assert result.returncode == 0, result.stdout + result.stderr
        program_files = wine.drive_c / "Program Files" / "Anchang"
        system_site = wine.folder("ProgramData") / "Anchang"
        admins_own = [wine.folder("LOCALAPPDATA") / "anchang", wine.folder("APPDATA") / "anchang"]

        assert wine.run(str(setup), "/S").returncode == 0
        installed = {path.relative_to(program_files).as_posix() for path in program_files.rglob("*")}
        assert {f"{program}.exe" for program in PROGRAMS} <= installed
        assert {"Uninstall.exe", "_internal/resources/default.toml", "_internal/pyzbar/msvcr120.dll"} <= installed
        assert system_site.is_dir()

        # A site set up on this PC, and a per-user site of the administrator who uninstalls.
        (system_site / "anchang.toml").write_text("[site]\n")
        (system_site / "master.key").write_bytes(b"key")
        for folder in admins_own:
            folder.mkdir(parents=True)
            (folder / "master.key").write_bytes(b"own key")

        assert wine.run(str(program_files / "Uninstall.exe"), "/S").returncode == 0
        assert not program_files.exists()
        assert (system_site / "master.key").read_bytes() == b"key"  # data kept unless asked

        assert wine.run(str(setup), "/S").returncode == 0
        assert wine.run(str(program_files / "Uninstall.exe"), "/S", "/DELETEDATA").returncode == 0
        assert not program_files.exists()
        assert not system_site.exists()
        for folder in admins_own:
            assert (folder / "master.key").read_bytes() == b"own key"
    finally:
        wine.stop()
