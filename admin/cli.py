"""The `anchang` admin command: argument parsing only; the work is in `db.admin`.

Every command reads the database from `db.config.database_url()` and the keys from the data directory.
Exit codes: 0 done, 1 failed (verification, database, keys), 2 bad argument or input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable


def _parser() -> argparse.ArgumentParser:
    from operations.self_test import SelfTestAction
    from operations.version import VersionAction

    parser = argparse.ArgumentParser(prog="anchang", description="Anchang 案场通 administration / 管理命令")
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument("--self-test", action=SelfTestAction)
    sub = parser.add_subparsers(dest="command", required=True)

    scenario = sub.add_parser("scenario", help="rule scenarios")
    scenario_sub = scenario.add_subparsers(dest="action", required=True)
    run = scenario_sub.add_parser("run", help="replay scenario files or folders through the engine")
    run.add_argument("paths", nargs="+")

    init = sub.add_parser("init", help="初始化 / create the data directory, keys and schema")
    init.add_argument("--database-url", help="store this database URL in anchang.toml and use it")
    init.add_argument("--owner-url", help="on the server PC: the owner's URL (anchang pg-setup) stored as "
                                          "[database] owner_url; migrations use it, stations never need it")
    init.add_argument("--system", action="store_true",
                      help="本机所有用户共用 / the site for every user of this computer (/etc/anchang, "
                           "/var/lib/anchang, group anchang); run as an administrator")

    join = sub.add_parser("join", help="加入已有站点 / a second station joins the site with a key bundle made at "
                                       "a working console (站点 → 生成密钥包)")
    join.add_argument("bundle", metavar="BUNDLE_FILE")
    join.add_argument("--database-url", help="the site's PostgreSQL (stored in anchang.toml)")
    join.add_argument("--passphrase-stdin", action="store_true",
                      help="read the one-time passphrase from standard input instead of a hidden prompt")
    join.add_argument("--name", metavar="COMPUTER_NAME",
                      help="this computer's stations become console-NAME and kiosk-NAME (default: its host name)")
    join.add_argument("--system", action="store_true",
                      help="本机所有用户共用 / join as the site of every user of this computer (/etc/anchang, "
                           "/var/lib/anchang, group anchang); run as an administrator")

    pg_setup = sub.add_parser("pg-setup", help="PostgreSQL 数据库与角色 / create the site's PostgreSQL database, "
                                               "its owner and its station role (run as the postgres superuser)")
    pg_setup.add_argument("--database", default="anchang", help="database name (default: anchang)")
    pg_setup.add_argument("--owner", default="anchang_owner", help="the role that owns and migrates it")
    pg_setup.add_argument("--station", default="anchang_station", help="the role the stations connect as")
    pg_setup.add_argument("--lan", metavar="CIDR", help="the office LAN for pg_hba.conf, e.g. 192.168.1.0/24 "
                                                        "(default: samenet)")
    pg_setup.add_argument("--superuser-url", metavar="URL", help="how to reach the server as the superuser "
                                                                  "(default: the local socket as postgres)")
    pg_setup.add_argument("--host", help="the server's name or address in the printed URLs (default: this "
                                         "computer's name)")
    pg_setup.add_argument("--passwords-stdin", action="store_true",
                          help="read the owner's, then the station role's password from standard input, one a "
                               "line, instead of generating them")

    sub.add_parser("demo", help="演示 / a demo week in demo.sqlite3, then today's board")

    serve = sub.add_parser("serve", help="站点服务 / the HTTPS server for phones and tablets on the office LAN "
                                         "(docs/site-server.md)")
    serve.add_argument("--host", default="0.0.0.0", help="the address to listen on (default: every address)")
    serve.add_argument("--port", type=int, default=8443, help="the HTTPS port (default: 8443)")
    serve.add_argument("--tour", metavar="DIR", help="render every phone page at 390x844 in zh and en to PNGs in DIR "
                                                     "on a demo week (chromium, selenium), then exit; the site's "
                                                     "database is not opened")

    board = sub.add_parser("board", help="看板 / today's board of the configured database")
    board.add_argument("--at", help="local time of the board (default: now)")

    verify = sub.add_parser("verify", help="校验日志 / verify the journal's hash chain")
    verify.add_argument("--checkpoint", metavar="FILE", action="append",
                        help="a signed checkpoint exported earlier, or a folder of them (repeatable); those "
                             "kept in <data dir>/checkpoints are always checked")
    verify.add_argument("--public-key", metavar="PEM", help="the site's Ed25519 public key (PEM), kept apart from "
                                                            "the database, where the site keys are not installed")

    clock = sub.add_parser("clock", help="时钟 / this station's clock against the journal")
    clock_sub = clock.add_subparsers(dest="action", required=True)
    clock_sub.add_parser("accept", help="接受本站时钟（日期跳变或日志领先时）/ accept this station's clock when "
                                        "writes are refused for a clock jump or a journal ahead of it")

    checkpoint = sub.add_parser("checkpoint", help="导出签名检查点 / export a signed checkpoint")
    checkpoint.add_argument("--out", metavar="DIR", help="folder (default: <data dir>/checkpoints)")

    backup = sub.add_parser("backup", help="备份 / back the database up")
    backup.add_argument("--out", metavar="PATH", help="file or folder (default: <data dir>/backups)")

    restore = sub.add_parser("restore", help="恢复 / restore a backup into the configured database")
    restore.add_argument("path", metavar="PATH")
    restore.add_argument("--accept-loss", action="store_true",
                         help="restore even though entries of the live journal (or kept checkpoints) would be "
                              "lost; needs --reason; journalled")
    restore.add_argument("--reason", metavar="TEXT", help="why the loss is accepted (with --accept-loss)")
    restore.add_argument("--operator", metavar="NAME", help="who accepts it (default: this computer's login)")

    rules = sub.add_parser("rules", help="判客规则 / the rule set")
    rules_sub = rules.add_subparsers(dest="action", required=True)
    show = rules_sub.add_parser("show", help="the rule set in force, as TOML")
    show.add_argument("--at", help="local time, e.g. '2025-03-01 14:30' (default: now)")
    set_ = rules_sub.add_parser("set", help="a new rule version: KEY=VALUE... or --file FILE.toml")
    set_.add_argument("assignments", nargs="*", metavar="KEY=VALUE")
    set_.add_argument("--file", metavar="FILE.toml")

    imports = sub.add_parser("import-reports", help="导入报备 / channel reports from an Excel sheet "
                                                    "(exit 1 when some rows were rejected)")
    imports.add_argument("file", metavar="FILE.xlsx")
    imports.add_argument("--dry-run", action="store_true", help="check every row, record nothing")
    imports.add_argument("--tolerance-minutes", type=int, metavar="N",
                         help="flag reports whose stated time is more than N minutes from when they reached the "
                              "system (default: [import] stated_time_tolerance_minutes, else 30)")

    export = sub.add_parser("export", help="导出 / customers, reports, cases, warnings to Excel (masked)")
    export.add_argument("--out", metavar="FILE.xlsx")

    diagnose = sub.add_parser("diagnose", help="诊断包 / a support bundle: versions, self-test, recent logs, "
                                               "settings without passwords, stations (no keys, numbers masked)")
    diagnose.add_argument("--out", metavar="FILE.zip", required=True)

    purge = sub.add_parser("purge", help="清理过期个人信息 / erase customers past [retention] customer_days")
    purge.add_argument("--dry-run", action="store_true", help="list who would be erased, erase nobody")

    forget = sub.add_parser("forget", help="删除请求 / erase one customer's personal data")
    forget.add_argument("phone", metavar="PHONE")
    sub.add_parser("scrub", help="清理存储 / rewrite the tables an erasure left for the database owner "
                                 "(PostgreSQL, on the server PC)")

    user = sub.add_parser("user", help="用户 / station users and roles")
    user_sub = user.add_subparsers(dest="action", required=True)
    add = user_sub.add_parser("add", help="a new user (secret from a prompt or --secret-stdin)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True,
                     help="admin, manager, channel_manager, receptionist or consultant")
    add.add_argument("--consultant", metavar="C", help="the consultant whose customers this user sees")
    add.add_argument("--secret-stdin", action="store_true", help="read the secret from standard input")
    passwd = user_sub.add_parser("passwd", help="set a user's secret (password or PIN)")
    passwd.add_argument("name", metavar="NAME")
    passwd.add_argument("--secret-stdin", action="store_true", help="read the secret from standard input")
    disable = user_sub.add_parser("disable", help="disable a user")
    disable.add_argument("name", metavar="NAME")
    user_sub.add_parser("list", help="list the users")

    partner = sub.add_parser("partner", help="合作方密钥 / partners' API keys: a channel's, a finance system's, "
                                             "a 小程序's (a manager or channel manager signs in)")
    partner.add_argument("--user", required=True, help="who signs in (manager or channel manager)")
    partner.add_argument("--secret-stdin", action="store_true", help="read the secret from standard input")
    partner_sub = partner.add_subparsers(dest="action", required=True)
    partner_add = partner_sub.add_parser("add", help="a new key, printed once")
    partner_add.add_argument("name", metavar="NAME")
    scope = partner_add.add_mutually_exclusive_group(required=True)
    scope.add_argument("--channel", help="a channel's key: it reports and reads for that channel only")
    scope.add_argument("--kind", choices=("finance", "appointments"), help="a finance or appointments key")
    partner_sub.add_parser("list", help="the keys and their status")
    for action, words in (("suspend", "suspend a key"), ("resume", "make a suspended key active again"),
                          ("revoke", "revoke a key for good")):
        partner_sub.add_parser(action, help=words).add_argument("key_id", metavar="KEY_ID")

    bundle = sub.add_parser("key-bundle", help="生成密钥包 / the site's keys sealed for a second station's "
                                               "`anchang join` (a manager or administrator signs in)")
    bundle.add_argument("--user", required=True, metavar="NAME", help="the manager or administrator")
    bundle.add_argument("--out", required=True, metavar="FILE", help="the bundle's file (not overwritten)")
    bundle.add_argument("--secret-stdin", action="store_true", help="read the user's secret from standard input")

    from admin.report_cmd import add_parser as add_report_parser
    add_report_parser(sub)
    return parser


def _command(args: argparse.Namespace) -> Callable[[], int]:
    """The work for the parsed arguments; modules are imported only for the command that runs."""
    if args.command == "init" and args.system:
        from admin.system_cmd import init_system
        return lambda: init_system(args.database_url, args.owner_url)
    if args.command == "join" and args.system:
        from admin.system_cmd import join_system
        return lambda: join_system(args.bundle, args.database_url, args.passphrase_stdin, args.name)
    if args.command == "init":
        from operations.setup import init
        return lambda: init(args.database_url, args.owner_url)
    if args.command == "join":
        from admin.join import join
        return lambda: join(args.bundle, args.database_url, args.passphrase_stdin, args.name)
    if args.command == "pg-setup":
        from admin.pg_setup import run as run_pg_setup
        return lambda: run_pg_setup(args)
    if args.command == "serve":
        from server.run import serve

        return lambda: serve(args.host, args.port, tour=args.tour)
    if args.command == "demo":
        from operations.demo import run_demo
        return run_demo
    if args.command == "board":
        from operations.board import show_board
        return lambda: show_board(args.at)
    if args.command == "verify":
        from operations.audit import verify
        return lambda: verify(args.checkpoint, args.public_key)
    if args.command == "clock":
        from admin.clock import accept
        return accept
    if args.command == "checkpoint":
        from operations.audit import checkpoint
        return lambda: checkpoint(args.out)
    if args.command == "backup":
        from operations.backup import backup
        return lambda: backup(args.out)
    if args.command == "restore":
        from operations.backup import restore
        return lambda: restore(args.path, args.accept_loss, args.reason, args.operator)
    if args.command == "rules":
        from admin import rules
        if args.action == "show":
            return lambda: rules.show(args.at)
        return lambda: rules.set_rules(args.assignments, args.file)
    if args.command == "import-reports":
        from admin.importer import import_reports
        return lambda: import_reports(args.file, dry_run=args.dry_run, tolerance_minutes=args.tolerance_minutes)
    if args.command == "export":
        from admin.export import export
        return lambda: export(args.out)
    if args.command == "diagnose":
        from operations.diagnose import diagnose
        return lambda: diagnose(args.out)
    if args.command == "purge":
        from admin.retention import purge
        return lambda: purge(dry_run=args.dry_run)
    if args.command == "report":
        from admin.report_cmd import run as run_report
        return lambda: run_report(args)
    if args.command == "user":
        from admin import users
        if args.action == "add":
            return lambda: users.add(args.name, args.role, args.consultant, args.secret_stdin)
        if args.action == "passwd":
            return lambda: users.passwd(args.name, args.secret_stdin)
        if args.action == "disable":
            return lambda: users.disable(args.name)
        return users.show_list
    if args.command == "partner":
        from admin import partner_cmd
        if args.action == "add":
            return lambda: partner_cmd.add(args.user, args.secret_stdin, args.name, args.channel, args.kind)
        if args.action == "list":
            return lambda: partner_cmd.show_list(args.user, args.secret_stdin)
        status = {"suspend": "suspended", "resume": "active", "revoke": "revoked"}[args.action]
        return lambda: partner_cmd.change(args.user, args.secret_stdin, args.key_id, status)
    if args.command == "key-bundle":
        from admin.key_bundle_cmd import make_bundle
        return lambda: make_bundle(args.user, args.out, args.secret_stdin)
    if args.command == "scrub":
        from admin.retention import scrub
        return scrub
    from admin.retention import forget
    return lambda: forget(args.phone)


# Commands that make their own database (init and join migrate with a backup themselves, pg-setup creates
# it) or replace it (restore); diagnose reads whatever is there, an older schema too, and changes nothing.
WITHOUT_UPGRADE = {"init", "join", "demo", "scenario", "restore", "pg-setup", "diagnose"}
SETS_UP_A_SITE = {"init", "join"}


def _private_data_dir() -> None:
    """The data folder (keys, database, backups) readable by its owner only (0700), or by the system site's
    group (2770), also when made by an older version; a folder owned by someone else is left as it is."""
    from db.site_dirs import current_site, protect

    site = current_site()
    if site.data_dir.is_dir():
        protect(site.data_dir, site.folder_mode)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse already printed
        return exc.code if isinstance(exc.code, int) else 2
    if args.command == "scenario":
        from service.scenarios import run_paths
        return run_paths(args.paths)
    from admin.errors import run_guarded
    from admin.terminal import escaped_output
    from db.site_dirs import use_site_umask
    from operations.program_log import start_logging
    from operations.upgrade import start_check
    # folders 0700, files 0600 (the system site: 2770 and 0660, for its group): the database, backups,
    # exports and checkpoints hold customers
    previous = use_site_umask()
    # init and join log to the site's file only once they made the site: a refused or failed one leaves
    # the data folder exactly as it was (operations/half_made.py), a logs/ folder included
    sets_up = args.command in SETS_UP_A_SITE
    logs = start_logging("anchang", "admin", terminal=True, doing=args.command, to_file=not sets_up)
    try:
        _private_data_dir()
        touring = args.command == "serve" and args.tour is not None  # a demo of its own, not the site's database
        if args.command not in WITHOUT_UPGRADE and not touring and (refused := start_check("anchang")) is not None:
            return refused  # a newer program's database; an older one was backed up and migrated
        with escaped_output():  # no ESC from a stored name reaches the terminal (admin/terminal.py)
            code = run_guarded(_command(args))
        _private_data_dir()  # `init` may have just made it
        if sets_up and code == 0:
            logs = start_logging("anchang", "admin", terminal=True, doing=args.command)
        return code
    finally:
        logs.stop()
        os.umask(previous)


if __name__ == "__main__":
    sys.exit(main())
