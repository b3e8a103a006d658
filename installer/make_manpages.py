"""Writes the man pages anchang(1), anchang-kiosk(1) and anchang-console(1) from the programs' own argparse
parsers, so every command and option the program knows is on its page, plus the sections argparse cannot
say (files, environment, exit codes, the kiosk session). Run by build-linux.sh at build time:

    python installer/make_manpages.py OUT_DIR [--version 0.1.0] [--date 2025-01-31]
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SITE_FILES = r"""
.SH FILES
.TP
.I /etc/anchang/anchang.toml\fR, \fI/var/lib/anchang/
The system site, shared by the members of the group \fBanchang\fR (\fBanchang init \-\-system\fR).
.TP
.I ~/.local/share/anchang/
A per-user site: its \fIanchang.toml\fR, database (SQLite), site keys, backups and logs.
A program uses the user's own site when one exists, else the system site.
.SH ENVIRONMENT
.TP
.B ANCHANG_DATA_DIR
The site folder to use instead of the ones above.
.TP
.B ANCHANG_DATABASE_URL
The database instead of the one in \fIanchang.toml\fR.
"""

SEE_ALSO = r"""
.SH SEE ALSO
{others}
.PP
/usr/share/doc/anchang/README.md, /usr/share/doc/anchang/changelog.gz
"""

KIOSK_SECTIONS = r"""
.SH EXIT STATUS
.TP
.B 0
closed from staff mode
.TP
.B 2
cannot start (no site, a database that cannot be opened) and no screen to say it on
.TP
.B 3
another kiosk of this user and site is already running: one instance only (its lock is in
\fI$XDG_RUNTIME_DIR\fR)
.SH KIOSK SESSION
A PC that is only a kiosk logs its kiosk user in at boot into the \fBAnchang kiosk\fR session, which runs
nothing but the kiosk, full screen, with the screen saver, blanking and display power saving (DPMS) off,
and restarts the kiosk 2 seconds after it dies. As an administrator:
.PP
.RS
.nf
sudo adduser kiosk
sudo apt install lightdm x11\-xserver\-utils
sudo anchang\-kiosk\-autostart session \-\-user kiosk
.fi
.RE
.PP
The last command writes \fI/etc/lightdm/lightdm.conf.d/50\-anchang\-kiosk.conf\fR: LightDM logs
\fBkiosk\fR in without a password into the session \fI/usr/share/xsessions/anchang\-kiosk.desktop\fR and
starts X with \fB\-s 0 \-dpms\fR. \fBanchang\-kiosk\-autostart session \-\-off\fR removes it. The kiosk
user must be able to open the site (a member of the group \fBanchang\fR for the system site).
.PP
The session runs \fIanchang\-kiosk\-session\fR, which turns blanking off (\fBxset s off s noblank
\-dpms\fR) and starts the systemd user service \fBanchang\-kiosk.service\fR (Restart=on\-failure,
RestartSec=2); without a systemd user manager it restarts the kiosk itself. Staff closing the kiosk ends
the session and LightDM's login screen shows, for maintenance.
.PP
With GDM instead of LightDM: in \fI/etc/gdm3/daemon.conf\fR, section [daemon], set
\fBAutomaticLoginEnable=true\fR and \fBAutomaticLogin=kiosk\fR, and in
\fI/var/lib/AccountsService/users/kiosk\fR, section [User], \fBXSession=anchang\-kiosk\fR. On a
GNOME desktop session instead, turn blanking off with \fBgsettings set org.gnome.desktop.session
idle\-delay 0\fR and \fBgsettings set org.gnome.settings\-daemon.plugins.power idle\-dim false\fR
as the kiosk user, and start the service at login with \fBsystemctl \-\-user enable
anchang\-kiosk.service\fR.
.PP
On an ordinary desktop, \fBanchang\-kiosk\-autostart enable\fR starts the kiosk when this user logs in
(\fI~/.config/autostart\fR), \fBsudo anchang\-kiosk\-autostart enable \-\-system\fR when any user does
(\fI/etc/xdg/autostart\fR); \fBdisable\fR and \fBstatus\fR likewise.
"""

ADMIN_SECTIONS = r"""
.SH EXIT STATUS
0 done, 1 failed (verification, database, keys), 2 a bad argument or input.
"""


def roff(text: str) -> str:
    """Text as roff: backslashes and hyphens escaped, no line starting with a control character."""
    escaped = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line for line in escaped.splitlines())


def option_label(action: argparse.Action) -> str:
    positional = action.metavar if isinstance(action.metavar, str) else action.dest
    names = ", ".join(f"\\fB{roff(name)}\\fR" for name in action.option_strings) or f"\\fI{roff(positional)}\\fR"
    if action.option_strings and action.nargs != 0:
        choices = "{" + ",".join(map(str, action.choices)) + "}" if action.choices else None
        metavar = action.metavar or choices or action.dest.upper()
        names += f" \\fI{roff(metavar if isinstance(metavar, str) else ' '.join(metavar))}\\fR"
    return names


def described_actions(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) or action.help == argparse.SUPPRESS:
            continue
        yield action


def subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[argparse.ArgumentParser, str]]:
    """(subparser, its help) for every subcommand, depth first, in the order the program declares them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield sub, helps.get(name, "")
                yield from subcommands(sub)


def options_block(parser: argparse.ArgumentParser) -> list[str]:
    formatter = parser._get_formatter()
    lines = []
    for action in described_actions(parser):
        lines += [".TP", option_label(action), roff(formatter._expand_help(action) if action.help else "")]
    return lines


def usage(parser: argparse.ArgumentParser) -> str:
    text = " ".join(parser.format_usage().removeprefix("usage:").split())
    for action in parser._actions:  # the commands are listed under COMMANDS; one unbreakable {a,b,...} is not
        if isinstance(action, argparse._SubParsersAction):
            text = text.replace("{" + ",".join(action.choices) + "}", "COMMAND")
    return roff(text)


def page(parser: argparse.ArgumentParser, version: str, date: str, extra: str, others: list[str]) -> str:
    name = parser.prog
    summary = parser.description or name
    lines = [f'.TH {name.upper()} 1 "{date}" "{roff(name)} {version}" "Anchang 案场通"',
             ".nh", ".ad l",  # no hyphenation, ragged right: option names and paths stay whole
             ".SH NAME", f"{roff(name)} \\- {roff(summary)}",
             ".SH SYNOPSIS", usage(parser),
             ".SH OPTIONS", *options_block(parser)]
    commands = list(subcommands(parser))
    if commands:
        lines.append(".SH COMMANDS")
        for sub, help_text in commands:
            lines += [f'.SS "{roff(sub.prog)}"', roff(help_text), ".PP", usage(sub), *options_block(sub)]
    see_also = SEE_ALSO.format(others=",\n".join(f".BR {roff(other)} (1)" for other in others))
    return "\n".join(lines) + "\n" + extra.strip("\n") + "\n" + see_also.strip("\n") + "\n"


def parsers() -> dict[str, Callable[[], argparse.ArgumentParser]]:
    sys.path.insert(0, str(ROOT))
    from admin.cli import _parser as admin_parser
    from console.app import build_parser as console_parser
    from kiosk.app import build_parser as kiosk_parser

    return {"anchang": admin_parser, "anchang-kiosk": kiosk_parser, "anchang-console": console_parser}


EXTRA = {"anchang": ADMIN_SECTIONS + SITE_FILES, "anchang-kiosk": KIOSK_SECTIONS + SITE_FILES,
         "anchang-console": SITE_FILES}


def write_pages(out: Path, version: str, date: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    programs = parsers()
    for name, build in programs.items():
        others = [other for other in programs if other != name]
        path = out / f"{name}.1"
        path.write_text(page(build(), version, date, EXTRA[name], others), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description="write anchang's man pages from its argparse parsers")
    cli.add_argument("out", type=Path)
    cli.add_argument("--version", default=None, help="default: operations.version.program_version()")
    cli.add_argument("--date", default=datetime.date.today().isoformat())
    args = cli.parse_args(argv)
    if args.version is None:
        sys.path.insert(0, str(ROOT))
        from operations.version import program_version

        args.version = program_version()
    for path in write_pages(args.out, args.version, args.date):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
