#!/bin/sh
# Baselines on a subset (about 16 minutes at 10 s, both baselines side by side, one
# core each): all twenty pr instances at m = 1..4, and the twelve Solomon instances
# of run_subset.sh at m = 2. Run from the repository root, on an otherwise idle
# machine:
#   nohup nice -n 10 sh bench/planner/run_baselines.sh > bench/out/baselines.log 2>&1 &
PY=${PY:-.venv/bin/python}
SOL=c101,c105,c201,c205,r101,r105,r201,r205,rc101,rc105,rc201,rc205
for solver in pyvrp ortools; do
    (
        $PY bench/planner/run_toptw.py --solver $solver --sets pr
        $PY bench/planner/run_toptw.py --solver $solver --names $SOL --m 2
    ) &
done
wait
