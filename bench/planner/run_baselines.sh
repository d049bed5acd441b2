#!/bin/sh
# Both baselines on all 304 instance/m pairs (about 52 minutes at 10 s, side by
# side, one core each), or on some sets: SETS=pr (about 14 minutes). Resumable:
# rows already in docs/benchmarks/planner_toptw_<solver>.csv are skipped. Run from
# the repository root, on an otherwise idle machine:
#   nohup nice -n 10 sh bench/planner/run_baselines.sh > bench/out/baselines.log 2>&1 &
PY=${PY:-.venv/bin/python}
for solver in pyvrp ortools; do
    $PY bench/planner/run_toptw.py --solver $solver ${SETS:+--sets "$SETS"} &
done
wait
