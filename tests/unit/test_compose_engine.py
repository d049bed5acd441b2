"""docker-compose.yml runs the planning engine: a Dask scheduler and workers of
the server's image, which the server is pointed at (no Docker engine needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def services() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_the_engine_services_use_the_server_image():
    """Tests that scheduler and worker run the image the server builds."""
    # given
    found = services()
    # then
    image = found["server"]["image"]
    assert found["scheduler"]["image"] == image
    assert found["worker"]["image"] == image
    assert found["scheduler"]["command"][:2] == ["dask", "scheduler"]
    assert found["worker"]["command"][:2] == ["dask", "worker"]


def test_server_and_workers_name_the_scheduler_they_run_with():
    """Tests that the server's VISITPLAN_SCHEDULER is the scheduler's address."""
    # given
    found = services()
    scheduler = found["scheduler"]["command"]
    port = scheduler[scheduler.index("--port") + 1]
    address = f"tcp://scheduler:{port}"
    # then
    assert found["server"]["environment"]["VISITPLAN_SCHEDULER"] == address
    assert address in found["worker"]["command"]
    assert "scheduler" in found["server"]["depends_on"]


def test_workers_run_one_planner_thread_each_without_a_dashboard():
    """Tests the worker options: one thread a process (a search holds the GIL)."""
    # given
    worker = services()["worker"]["command"]
    scheduler = services()["scheduler"]["command"]
    # then
    assert worker[worker.index("--nthreads") + 1] == "1"
    assert "--no-dashboard" in worker
    assert "--no-dashboard" in scheduler
