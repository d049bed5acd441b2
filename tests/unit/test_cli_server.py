"""The serve, seed and export-schema commands: options and exit codes."""

from __future__ import annotations

import pytest

from cli import main
from schema import schema


def test_export_schema_writes_the_sdl(tmp_path):
    """Tests that export-schema writes the served SDL to --out."""
    # given
    out = tmp_path / "schema.graphql"
    # when
    code = main(["export-schema", "--out", str(out)])
    # then
    assert code == 0
    assert out.read_text(encoding="utf-8") == schema.as_str() + "\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--port", "70000"], "not a TCP port"),
        (["serve", "--port", "eighty"], "not a whole number"),
        (["serve", "--limit-concurrency", "0"], "must be at least 1"),
        (["seed", "--customers", "0"], "must be at least 1"),
        (["seed", "--months", "-3"], "must be at least 1"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_options_exit_2_with_a_message(capsys, argv, message):
    """Tests that a bad option stops with exit code 2 and says what is wrong."""
    # when
    with pytest.raises(SystemExit) as stop:
        main(argv)
    # then
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
