"""The CLI contract: --workspace everywhere, --json prints one document, errors are one line.

``studio`` runs the command as a user does (``python -m studio.cli`` in a new process); ``cli``
runs it in this process (faster, same output), for the tests of each command's behaviour.
"""

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from studio.cli import main


def studio(*args, check=True, input=None, env=None):
    result = subprocess.run(
        [sys.executable, "-m", "studio.cli", *map(str, args)],
        capture_output=True,
        text=True,
        input=input,
        env={**os.environ, **(env or {})},
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def studio_json(*args):
    return json.loads(studio(*args, "--json").stdout)


def cli(*args, check=True, input=None) -> subprocess.CompletedProcess:
    """Run a command in this process; the result reads like ``studio``'s."""
    invoked = CliRunner().invoke(main, [str(a) for a in args], input=input)
    result = subprocess.CompletedProcess(args, invoked.exit_code, invoked.stdout, invoked.stderr)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def cli_json(*args):
    return json.loads(cli(*args, "--json").stdout)


def assert_one_error_line(result, fragment):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_workspace_from_environment_and_default(tmp_path, files):
    ws = tmp_path / "env_ws"
    studio("init", env={"STUDIO_WORKSPACE": str(ws)})
    studio("sources", "add", files["parquet"], "--name", "p", env={"STUDIO_WORKSPACE": str(ws)})
    assert [s["name"] for s in studio_json("sources", "list", "--workspace", ws)] == ["p"]


def test_delete_asks_for_confirmation(tmp_path, files):
    ws = tmp_path / "ws"
    studio("init", "--workspace", ws)
    studio("sources", "add", files["csv"], "--name", "orders", "--workspace", ws)
    refused = studio("sources", "delete", "orders", "--workspace", ws, input="n\n", check=False)
    assert refused.returncode == 1 and "not deleted" in refused.stderr
    assert len(studio_json("sources", "list", "--workspace", ws)) == 1
    studio("sources", "delete", "orders", "--workspace", ws, input="y\n")
    assert studio_json("sources", "list", "--workspace", ws) == []
    studio("sources", "add", files["csv"], "--name", "again", "--workspace", ws)
    # No answer at all (stdin closed) is a refusal too, as one error line; --json keeps stdout clean.
    unanswered = studio("sources", "delete", "again", "--json", "--workspace", ws, input="", check=False)
    assert unanswered.returncode == 1 and unanswered.stdout == "" and unanswered.stderr.strip().splitlines()[-1] == "error: not deleted (answer y, or pass --yes)"
    assert "Aborted" not in unanswered.stderr
    assert studio_json("sources", "delete", "again", "--yes", "--workspace", ws)["deleted_versions"] == [1]


def test_errors_are_one_line_on_stderr(tmp_path, files):
    """(In this process: the other tests here run `python -m studio.cli` as a user does.)"""
    ws = tmp_path / "ws"
    cli("init", "--workspace", ws)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert_one_error_line(cli("sources", "add", empty, "--name", "e", "--workspace", ws, "--json", check=False), "empty.csv: the file is empty")
    assert_one_error_line(cli("sources", "add", "--name", "e", "--workspace", ws, check=False), "give a file PATH")
    assert_one_error_line(cli("sources", "add", files["csv"], "--db", "sqlite:///x", "--table", "t", "--name", "e", "--workspace", ws, check=False), "not both")
    assert_one_error_line(cli("sources", "add", "--db", "sqlite:///x.db", "--name", "e", "--workspace", ws, check=False), "exactly one of --table or --query")
    assert_one_error_line(cli("sources", "add", files["csv"], "--name", "e", "--type", "nonsense", "--workspace", ws, check=False), "a column type is COLUMN=TYPE (e.g. zip=VARCHAR), not 'nonsense'")
    assert_one_error_line(cli("sources", "show", "ghost", "--workspace", ws, check=False), "no source 'ghost'")
    assert_one_error_line(cli("sources", "list", "--workspace", tmp_path / "nowhere", check=False), "no workspace at")
    assert_one_error_line(cli("jobs", "show", "999", "--workspace", ws, check=False), "no job 999")
    assert_one_error_line(cli("settings", "max_source_mb", "huge", "--workspace", ws, check=False), "whole number")
    assert_one_error_line(cli("sources", "export", "ghost", tmp_path / "x.csv", "--workspace", ws, check=False), "no source 'ghost'")


def test_settings_command(tmp_path):
    ws = tmp_path / "ws"
    studio("init", "--workspace", ws)
    assert studio_json("settings", "--workspace", ws)["max_source_mb"] == 4096
    assert studio_json("settings", "max_source_mb", "100", "--workspace", ws)["max_source_mb"] == 100


def test_each_stage_module_registers_its_commands():
    """A stage is one module of studio/cli with a COMMANDS tuple, named in STAGES: a module
    left out of STAGES, or a command no module declares, fails here."""
    import pkgutil

    import studio.cli
    from studio.cli._main import STAGES

    modules = {m.name for m in pkgutil.iter_modules(studio.cli.__path__) if not m.name.startswith("_")}
    assert {stage.__name__.rpartition(".")[2] for stage in STAGES} == modules
    assert sorted(main.commands) == sorted(command.name for stage in STAGES for command in stage.COMMANDS)


def test_python_dash_m_and_the_installed_script_are_the_same_command():
    """``python -m studio.cli`` (studio/cli/__main__.py) and the ``studio`` script that
    pyproject's ``studio.cli:main`` installs beside this Python."""
    assert studio("--help").stdout.startswith("Usage: python -m studio.cli [OPTIONS] COMMAND")
    script = subprocess.run([os.path.join(os.path.dirname(sys.executable), "studio"), "--help"], capture_output=True, text=True)
    assert script.returncode == 0 and script.stdout.startswith("Usage: studio [OPTIONS] COMMAND")
    assert script.stdout.partition("\n")[2] == studio("--help").stdout.partition("\n")[2]


def test_an_unexpected_failure_is_one_line_too(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    cli("init", "--workspace", ws)

    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("studio.sources.SourceStore.list", broken)
    result = cli("sources", "list", "--workspace", ws, check=False)
    assert result.returncode == 2
    assert_one_error_line(result, "error: internal error (RuntimeError: boom); rerun with STUDIO_DEBUG=1 for details")


def test_cli_usage_errors_are_one_line(tmp_path, files):
    ws = tmp_path / "ws"
    cli("init", "--workspace", ws)
    assert_one_error_line(cli("sources", "add", files["csv"], "--workspace", ws, check=False), "Missing option '--name'")
    assert_one_error_line(cli("sources", "preview", "x", "--limit", "abc", "--workspace", ws, check=False), "'abc' is not a valid integer")
