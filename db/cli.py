"""The `anchang` admin command."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="anchang", description="Anchang 案场通 administration")
    sub = parser.add_subparsers(dest="command", required=True)
    scenario = sub.add_parser("scenario", help="rule scenarios")
    scenario_sub = scenario.add_subparsers(dest="action", required=True)
    run = scenario_sub.add_parser("run", help="replay scenario files or folders through the engine")
    run.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "scenario":
        from db.scenarios import run_paths
        return run_paths(args.paths)
    parser.error("unknown command")
    return 2


if __name__ == "__main__":
    sys.exit(main())
