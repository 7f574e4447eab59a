"""``dlcourse``: the TA's command line (adds to plain nbgrader, does not replace it)."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlcourse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader generate_assignment")
    p.add_argument("labs", nargs="*", help="lab ids (default: all)")
    p = sub.add_parser("check-lab", help="autograde a lab's reference and blank submissions in a scratch course")
    p.add_argument("lab")
    p = sub.add_parser("demo", help="release, grade the bundled example cohort with nbgrader, print the table")
    p.add_argument("--out", default="build/demo", help="scratch course root (default: build/demo)")
    p.add_argument("--labs", nargs="+", metavar="LAB", help="labs to grade (default: labs 1-4)")
    args = parser.parse_args(argv)

    if args.command == "release":
        from autograder.release import regenerate_release

        regenerate_release(args.labs or None)
        return 0
    if args.command == "check-lab":
        from autograder.labcheck import main as check_main

        return check_main(args.lab)
    if args.command == "demo":
        from autograder.demo import run_demo

        return run_demo(args.out, args.labs)
    return 2


if __name__ == "__main__":
    sys.exit(main())
