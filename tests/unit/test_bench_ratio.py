"""Tests of the API ratio benchmark's pure parts (bench/api/capture.py, ratio.py)."""

from __future__ import annotations

import enum
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from bson import Int64, ObjectId
from pymongo import monitoring

BENCH = Path(__file__).resolve().parents[2] / "bench" / "api"
sys.path.insert(0, str(BENCH))

import capture  # noqa: E402
import ratio  # noqa: E402
from capture import Call, Command  # noqa: E402

ADDRESS = ("127.0.0.1", 27017)
REP = ObjectId("65a000000000000000000001")


class Direction(enum.IntEnum):
    """An int-valued enum, as Beanie's SortDirection is."""

    ASCENDING = 1


def _command(t_ns: int, body: dict[str, Any], **kw: Any) -> Command:
    name = next(iter(body))
    return Command(t_ns=t_ns, request_id=t_ns, name=name, db="bench", body=body, **kw)


def test_strip_drops_driver_fields_and_keeps_the_order() -> None:
    """Tests that strip removes session, cluster time and routing, nothing else."""
    # given
    body = {
        "find": "visits",
        "filter": {"rep_id": REP},
        "lsid": {"id": "x"},
        "$clusterTime": {"clusterTime": 1},
        "$db": "bench",
        "txnNumber": 3,
        "$readPreference": {"mode": "primary"},
        "limit": 51,
    }

    # when
    stripped = capture.strip(body)

    # then
    assert list(stripped) == ["find", "filter", "limit"]
    assert stripped["filter"] == {"rep_id": REP}


def test_recorder_lines_read_back_as_commands(tmp_path: Path) -> None:
    """Tests that recorded commands read back with their ids, enums and cursors."""
    # given
    path = tmp_path / "commands.jsonl"
    recorder = capture.Recorder(path)
    body = {
        "find": "customers",
        "filter": {"_id": REP},
        "sort": {"name": Direction.ASCENDING},
    }

    # when
    recorder.started(monitoring.CommandStartedEvent(body, "bench", 7, ADDRESS, 1))
    recorder.succeeded(
        monitoring.CommandSucceededEvent(
            timedelta(microseconds=1500),
            {"cursor": {"id": Int64(99), "firstBatch": []}, "ok": 1},
            "find",
            7,
            ADDRESS,
            1,
        )
    )
    commands = capture.read_events(path.read_text(encoding="utf-8").splitlines())

    # then
    assert len(commands) == 1
    (found,) = commands
    assert (found.name, found.db, found.cursor_id, found.duration_us) == (
        "find",
        "bench",
        99,
        1500,
    )
    assert found.body["filter"] == {"_id": REP}
    assert found.body["sort"] == {"name": 1}
    assert type(found.body["sort"]["name"]) is int


def test_group_by_window_leaves_out_background_work() -> None:
    """Tests that each request gets its window's commands, background left out."""
    # given
    watch = _command(5, {"aggregate": "visits", "pipeline": [{"$changeStream": {}}]})
    watch.cursor_id = 77
    commands = [
        watch,
        _command(10, {"find": "reps"}),
        _command(12, {"ping": 1}),
        _command(15, {"find": "visits"}),
        _command(25, {"find": "visit_plans", "filter": {"status": "running"}}),
        _command(31, {"getMore": Int64(77), "collection": "visits"}),
        _command(33, {"aggregate": "customers", "pipeline": []}),
        _command(45, {"count": "customers"}),
        _command(60, {"endSessions": []}),
    ]

    # when
    grouped = capture.group_by_window(commands, [(30, 40), (9, 20)])

    # then
    assert [[c.t_ns for c in r] for r in grouped.requests] == [[33], [10, 15]]
    assert grouped.background == 5
    assert [c.t_ns for c in grouped.outside] == [45]


def test_replay_calls_read_each_cursor_to_the_end() -> None:
    """Tests that a find and its getMores make one cursor read, others one command."""
    # given
    commands = [
        _command(1, {"find": "visits", "filter": {}, "lsid": {"id": 1}}, cursor_id=5),
        _command(2, {"aggregate": "visits", "pipeline": [], "cursor": {}}),
        _command(3, {"getMore": Int64(5), "collection": "visits", "batchSize": 101}),
        _command(4, {"getMore": Int64(5), "collection": "visits", "batchSize": 101}),
        _command(5, {"killCursors": "visits", "cursors": [Int64(5)]}),
        _command(6, {"count": "customers", "query": {}, "$db": "bench"}),
    ]

    # when
    calls = capture.replay_calls(commands)

    # then
    assert calls == [
        Call("bench", {"find": "visits", "filter": {}}, True, 101, 2),
        Call("bench", {"aggregate": "visits", "pipeline": [], "cursor": {}}, True),
        Call("bench", {"count": "customers", "query": {}}, False),
    ]
    assert capture.getmore(calls[0], 5) == {
        "getMore": 5,
        "collection": "visits",
        "batchSize": 101,
    }
    assert capture.getmore(calls[1], 8) == {"getMore": 8, "collection": "visits"}


def test_replay_calls_refuse_a_getmore_of_another_request() -> None:
    """Tests that a getMore on a cursor the request did not open is an error."""
    with pytest.raises(ValueError, match="cursor 9"):
        capture.replay_calls([_command(1, {"getMore": Int64(9), "collection": "v"})])


def test_schedule_gives_every_client_its_share_in_turn() -> None:
    """Tests that client n sends samples n, n + c, ... cycling over the sample."""
    assert ratio.schedule(7, 3, 4) == [[0, 3, 2], [1, 0, 3], [2, 1, 0]]
    assert ratio.schedule(3, 1, 2) == [[0, 1, 0]]


def test_ratios_are_graphql_over_replay_latency_and_replay_over_graphql_rate() -> None:
    """Tests the two ratios, and None where a run answered nothing."""
    graphql = {"mean_ms": 30.0, "throughput_rps": 20.0}
    replayed = {"mean_ms": 20.0, "throughput_rps": 50.0}
    assert ratio.ratios(graphql, replayed) == {"latency": 1.5, "throughput": 2.5}
    assert ratio.ratios(graphql, {"mean_ms": None, "throughput_rps": None}) == {
        "latency": None,
        "throughput": None,
    }
