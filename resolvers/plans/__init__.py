"""Planning visits: the planner applied to the store, and the plans it makes.

The one way in for the schema and the server. Inside, one module a role:

* ``request``: a planVisits request, checked and turned into a problem;
* ``problem``: documents in, planner problem out (shifts, windows, values);
* ``bookings``, ``breaks``, ``calendar``, ``values``: what ``problem`` builds on;
* ``checks``: the bounds shared by planVisits and replanDay;
* ``results``: a planner plan read back into a stored plan;
* ``plan``: planVisits waiting for its plan, and reading a plan;
* ``jobs``: planVisits in the background (:class:`PlanJobs`);
* ``engine``: the Dask cluster background plans run on (:class:`DaskEngine`);
* ``queue``: the fair order of plans waiting for the engine;
* ``pool``: the planner's worker process for waiting requests (:class:`SolverPool`);
* ``replan``: replanDay;
* ``drafts``: accepting or discarding a draft.

The server's lifespan opens one :class:`SolverPool` and one :class:`PlanJobs`
over a :class:`DaskEngine`, and hands them to every request on its ``Context``.
"""

from resolvers.plans.drafts import accept_plan, discard_plan
from resolvers.plans.engine import DaskEngine
from resolvers.plans.jobs import PlanJobs, PlanLimitReached, start_plan
from resolvers.plans.plan import get_plan, plan_visits
from resolvers.plans.pool import SolverPool
from resolvers.plans.problem import Travel
from resolvers.plans.replan import ReplanRequest, replan_day
from resolvers.plans.request import PlanRequest

__all__ = [
    "DaskEngine",
    "PlanJobs",
    "PlanLimitReached",
    "PlanRequest",
    "ReplanRequest",
    "SolverPool",
    "Travel",
    "accept_plan",
    "discard_plan",
    "get_plan",
    "plan_visits",
    "replan_day",
    "start_plan",
]
