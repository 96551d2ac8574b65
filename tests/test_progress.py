"""Progress in logs: when stderr is not a terminal (a CI log, `cmd 2> log`), progress is plain
lines at intervals, not a redrawn bar (pytest's captured stderr is not a terminal)."""

from __future__ import annotations

import time

from demiurge.cli import main
from demiurge.progress import progress_bar
from speech import write_speech


def test_describe_writes_plain_progress_lines_to_a_log(tmp_path, capsys):
    write_speech(tmp_path / "audio", 10)
    assert main(["describe", str(tmp_path / "audio"), "-o", str(tmp_path / "db")]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "█" not in err
    lines = err.splitlines()
    # One line per 10 % step at most, and a last line when done.
    assert 2 <= len(lines) <= 11, lines
    assert all(line.startswith("describe: ") and len(line) < 120 for line in lines), lines
    assert "describe: 5/10 files (50%)" in err
    assert lines[-1].startswith("describe: 10/10 files (100%)")
    assert "frames=" in lines[-1]


def test_progress_without_a_total_is_written_at_time_intervals(capsys):
    for _ in progress_bar(iter(range(3)), desc="wait", unit="step", log_interval=0.05):
        time.sleep(0.06)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith("wait: 3 steps") and len(lines) >= 3, lines


def test_disabled_progress_writes_nothing(capsys):
    with progress_bar(total=5, desc="quiet", disable=True) as bar:
        bar.update(5)
    assert capsys.readouterr().err == ""
