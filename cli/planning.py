"""The ``plan`` and ``check`` commands.

``visitplan plan PROBLEM.json [--time-limit S] [--seed N] [--out PLAN.json]`` plans
the visits and writes the plan JSON (stdout by default) with progress on stderr.
``visitplan check PROBLEM.json PLAN.json`` prints the verdict on a plan.

Exit codes: 0 success; 1 the plan is infeasible or misreported (``check``), or
required visits cannot all be served (``plan``, which still writes the plan);
2 bad input (a one-line error on stderr, nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_INFEASIBLE = 1
EXIT_BAD_INPUT = 2


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register the planner's sub-commands on an argparse subparsers object.

    Args:
        commands: The object returned by ``ArgumentParser.add_subparsers``.
    """
    plan = commands.add_parser(
        "plan",
        help="plan the visits of a problem JSON file",
        description="Plan the visits of a version-1 problem JSON file.",
    )
    plan.add_argument("problem", metavar="PROBLEM.json", help="problem file")
    plan.add_argument(
        "--time-limit",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="wall-clock limit for the search (default 10)",
    )
    plan.add_argument("--seed", type=int, default=1, metavar="N", help="random seed")
    plan.add_argument(
        "--out",
        metavar="PLAN.json",
        default=None,
        help="write the plan here instead of stdout",
    )
    plan.add_argument(
        "--max-iterations",
        type=int,
        default=None,
        metavar="N",
        help="iteration budget per search (with --seed, makes the plan reproducible)",
    )
    plan.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="parallel searches, or parts solved at once "
        "(default: 2, or 1 on a single core)",
    )
    plan.add_argument(
        "--parts",
        type=int,
        default=None,
        metavar="N",
        help="solve in N parts (groups of reps with their nearby visits), then "
        "join; default: from 200 routes and 4,000 visits on, one per 125 routes; "
        "1 solves the problem whole",
    )
    plan.set_defaults(handler=run_plan)

    check = commands.add_parser(
        "check",
        help="check a plan against its problem",
        description="Check a plan against its problem; exit 1 if it is infeasible "
        "or its objective, value or travel are misreported.",
    )
    check.add_argument("problem", metavar="PROBLEM.json", help="problem file")
    check.add_argument("plan", metavar="PLAN.json", help="plan file")
    check.set_defaults(handler=run_check)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_plan(args: argparse.Namespace) -> int:
    """Handle ``visitplan plan``.

    Args:
        args: Parsed arguments (``problem``, ``time_limit``, ``seed``, ``out``,
            ``max_iterations``, ``workers``).

    Returns:
        The exit code.
    """
    from planner import dump_plan, dumps_plan, load_problem, solve

    if not args.time_limit > 0:
        return _error(f"--time-limit: must be positive, got {args.time_limit:g}")
    if args.max_iterations is not None and args.max_iterations < 1:
        return _error("--max-iterations: must be at least 1")
    if args.workers is not None and args.workers < 1:
        return _error("--workers: must be at least 1")
    if args.out is not None and not Path(args.out).resolve().parent.is_dir():
        return _error(f"--out: directory of {args.out} does not exist")
    try:
        problem = load_problem(args.problem)
    except ValueError as exc:
        return _error(str(exc))
    if args.parts is not None and not 1 <= args.parts <= len(problem.reps):
        return _error(
            f"--parts: must be 1 to {len(problem.reps)} (the reps), got {args.parts}"
        )

    def progress(objective: float, elapsed: float) -> None:
        print(
            f"\rbest objective {objective:g} after {elapsed:.1f} s",
            end="",
            file=sys.stderr,
            flush=True,
        )

    plan = solve(
        problem,
        time_limit=args.time_limit,
        seed=args.seed,
        on_progress=progress,
        max_iterations=args.max_iterations,
        workers=args.workers,
        parts=args.parts,
    )
    print(file=sys.stderr)
    try:
        if args.out is None:
            sys.stdout.write(dumps_plan(plan))
        else:
            dump_plan(plan, args.out)
    except OSError as exc:
        return _error(f"--out: cannot write {args.out}: {exc.strerror}")
    served = sum(len(r.stops) for r in plan.routes)
    print(
        f"planned {served} of {len(problem.visits)} visits "
        f"on {len(plan.routes)} routes: "
        f"objective {plan.objective:g}, value {plan.value:g}, travel {plan.travel:g}",
        file=sys.stderr,
    )
    if plan.infeasible_required:
        print(
            "infeasible: required visits that cannot be served: "
            + ", ".join(plan.infeasible_required),
            file=sys.stderr,
        )
        return EXIT_INFEASIBLE
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    """Handle ``visitplan check``.

    Args:
        args: Parsed arguments (``problem``, ``plan``).

    Returns:
        The exit code: 0 for a feasible, correctly reported plan, else 1 (or 2 for
        bad input).
    """
    from planner import evaluate, load_plan, load_problem

    try:
        problem = load_problem(args.problem)
        plan = load_plan(args.plan)
    except ValueError as exc:
        return _error(str(exc))
    ev = evaluate(problem, plan)
    for line in ev.violations:
        print(f"infeasible: {line}")
    for line in ev.misreported:
        print(f"misreported: {line}")
    verdict = "feasible" if ev.feasible else "INFEASIBLE"
    if ev.feasible and ev.misreported:
        verdict = "feasible but MISREPORTED"
    print(
        f"{verdict}: objective {ev.objective:g}, value {ev.value:g}, "
        f"travel {ev.travel:g}"
    )
    return EXIT_OK if ev.ok else EXIT_INFEASIBLE
