#!/bin/sh
# A quicker check than the full run (about 22 minutes at 10 s):
# two instances of every Solomon set at m = 1..4, then all 80 pr instances.
# Run from the repository root:  nohup nice -n 10 sh bench/planner/run_subset.sh > bench/out/toptw.log 2>&1 &
set -e
PY=${PY:-.venv/bin/python}
$PY bench/planner/run_toptw.py --solver planner \
    --names c101,c105,c201,c205,r101,r105,r201,r205,rc101,rc105,rc201,rc205
$PY bench/planner/run_toptw.py --solver planner --sets pr
