"""Usage errors: one line on stderr, exit 2, no traceback; `--version` answers."""

from __future__ import annotations

import pytest
from _cli import run_geogrid

from geogrid import __version__


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["nosuch"], "No such command 'nosuch'. (see 'geogrid --help')"),
        (["export"], "Missing option '--out' / '-o'. (see 'geogrid export --help')"),
        (
            ["plans", "publish", "abc"],
            "'plan_id' must be a whole number, not 'abc' (see 'geogrid plans publish --help')",
        ),
        (
            ["synth-incidents", "--plan", "1", "--year", "2o25"],
            "'--year' must be a whole number, not '2o25'",
        ),
        (["--versio"], "No such option: --versio"),
        (["plans", "list", "--bogus"], "No such option: --bogus"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(args: list[str], words: str) -> None:
    result = run_geogrid(*args)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("geogrid: error: ") and words in line
    assert "Traceback" not in result.stdout + result.stderr


def test_version() -> None:
    result = run_geogrid("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"geogrid {__version__}\n", "")
