"""Route planner for customer visits: pure data in, pure data out.

Load a problem (version-1 JSON, see ``docs/planner.md``), :func:`solve` it, check
any plan with :func:`evaluate`, and write the plan back as JSON.
"""

from planner.evaluate import Evaluation, evaluate
from planner.finish import Stopped
from planner.jsonio import dump_plan, dumps_plan, load_plan, load_problem
from planner.plan import (
    Plan,
    Route,
    RouteBreak,
    SolverInfo,
    Stop,
    plan_from_dict,
    plan_to_dict,
)
from planner.problem import (
    Break,
    Problem,
    Rep,
    Visit,
    problem_from_dict,
    problem_to_dict,
)
from planner.snap import snap_starts
from planner.solve import Infeasible, solve

__all__ = [
    "Break",
    "Evaluation",
    "Infeasible",
    "Plan",
    "Problem",
    "Rep",
    "Route",
    "RouteBreak",
    "SolverInfo",
    "Stop",
    "Stopped",
    "Visit",
    "dump_plan",
    "dumps_plan",
    "evaluate",
    "load_plan",
    "load_problem",
    "plan_from_dict",
    "plan_to_dict",
    "problem_from_dict",
    "problem_to_dict",
    "snap_starts",
    "solve",
]
