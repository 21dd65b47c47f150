"""The registry's commands (``studio models promote|validate|rollback|alias|unalias|archive|
unarchive|audit|compare|export|card``) as a user runs them, on small registered pipelines: the
promote contract, a blocked promotion (its JSON, then one error line, exit 1), an audited
override, rollback, aliases, archive, the audit log, compare, exports and the model card; bad
input is one ``error:`` line with nothing changed or written."""

import json

import pytest

from studio import Workspace
from tests.helpers.registry_models import register
from tests.unit.test_cli import assert_one_error_line, cli, cli_json


@pytest.fixture
def churn(workspace: Workspace) -> tuple[Workspace, str]:
    """Model ``churn``: v1 good, v2 worse (blind to city), with a quick suite."""
    register(workspace), register(workspace, "worse")
    return workspace, str(workspace.root)


def test_promote_prints_the_contract_and_a_blocked_one_exits_non_zero(churn):
    workspace, ws = churn
    first = cli_json("models", "promote", "churn", "1", "--alias", "production", "--workspace", ws)
    assert set(first) == {"model", "version", "alias", "tests", "promoted"}
    assert (first["model"], first["version"], first["alias"], first["promoted"]) == ("churn", 1, "production", True)
    assert first["tests"] and all(set(row) == {"name", "passed", "value", "threshold"} for row in first["tests"])

    blocked = cli("models", "promote", "churn", "2", "--workspace", ws, "--json", check=False)
    assert blocked.returncode == 1
    document = json.loads(blocked.stdout)
    assert document["promoted"] is False
    assert [row["name"] for row in document["tests"] if not row["passed"]] == ["no_regression"]
    assert blocked.stderr.strip().splitlines() == [
        "error: model churn v2 failed no_regression, so it is not production; fix the model, or override with a written reason (--reason TEXT)"
    ]
    assert workspace.registry.holder("churn") == 1

    text = cli("models", "promote", "churn", "2", "--workspace", ws, check=False)
    assert text.returncode == 1 and text.stdout.startswith("model churn v2 was not promoted: ")
    assert "  FAIL  no_regression" in text.stdout.splitlines()[1]

    override = cli("models", "promote", "churn", "2", "--reason", "needed for the EU launch", "--workspace", ws)
    assert override.stdout.startswith("model churn v2 is now production by override (failed: no_regression; reason: needed for the EU launch)")
    entry = workspace.registry.audit("churn")[0]
    assert (entry.action, entry.version, entry.reason) == ("override", 2, "needed for the EU launch")
    again = cli("models", "promote", "churn", "2", "--workspace", ws)
    assert again.stdout.startswith("model churn v2 is production already; nothing ran")


def test_validate_stores_the_suite_and_exits_non_zero_when_a_test_fails(churn):
    workspace, ws = churn
    passed = cli_json("models", "validate", "churn", "1", "--workspace", ws)
    assert passed["passed"] is True and passed["reference_version"] is None and workspace.registry.tests("churn", 1).id == passed["test_run"]
    cli("models", "promote", "churn", "1", "--workspace", ws)
    failed = cli("models", "validate", "churn", "2", "--workspace", ws, check=False)
    assert failed.returncode == 1 and failed.stdout.startswith("model churn v2 against production v1: ")
    assert failed.stderr.strip() == "error: model churn v2 failed no_regression; see the tests above (`studio models promote` would be blocked)"
    assert workspace.registry.aliases("churn") == {"production": 1}  # validating moves nothing


def test_rollback_aliases_and_archive(churn):
    workspace, ws = churn
    cli("models", "promote", "churn", "1", "--workspace", ws)
    cli("models", "promote", "churn", "2", "--reason", "try it", "--workspace", ws)
    back = cli_json("models", "rollback", "churn", "--reason", "v2 misbehaves", "--workspace", ws)
    assert back == {"model": "churn", "alias": "production", "version": 1, "previous_version": 2, "changed": True}
    assert_one_error_line(cli("models", "rollback", "churn", "--workspace", ws, check=False), "production of model churn has no earlier version to roll back to")

    assert cli("models", "alias", "churn", "2", "staging", "--workspace", ws).stdout.strip() == "staging of model churn: v2"
    assert cli_json("models", "alias", "churn", "2", "Staging", "--workspace", ws)["changed"] is False
    assert_one_error_line(cli("models", "alias", "churn", "2", "production", "--workspace", ws, check=False), "promote the version instead")
    assert_one_error_line(cli("models", "archive", "churn", "2", "--workspace", ws, check=False), "model churn v2 is staging; move or clear that alias")
    assert cli("models", "unalias", "churn", "staging", "--workspace", ws).stdout.strip() == "staging of model churn: cleared (was v2)"
    assert_one_error_line(cli("models", "unalias", "churn", "staging", "--workspace", ws, check=False), "model churn has no alias staging")

    archived = cli_json("models", "archive", "churn", "2", "--reason", "superseded", "--workspace", ws)
    assert archived == {"model": "churn", "version": 2, "archived": True, "aliases": []}
    assert_one_error_line(cli("models", "alias", "churn", "2", "shadow", "--workspace", ws, check=False), "is archived, so it cannot get an alias")
    assert cli("models", "unarchive", "churn", "2", "--workspace", ws).stdout.strip() == "model churn v2 is not archived"

    rows = cli_json("models", "audit", "churn", "--workspace", ws)
    assert [row["action"] for row in rows] == [
        "unarchive", "archive", "clear_alias", "set_alias", "rollback", "override", "promote",
    ]  # fmt: skip
    assert rows[1]["reason"] == "superseded" and rows[4]["reason"] == "v2 misbehaves"
    text = cli("models", "audit", "--limit", "2", "--workspace", ws).stdout.splitlines()
    assert len(text) == 2 and "unarchive   churn v2" in text[0] and "why: superseded" in text[1]


def test_compare_shows_what_differs(churn):
    workspace, ws = churn
    cli("models", "validate", "churn", "1", "--workspace", ws)
    document = cli_json("models", "compare", "churn", "1", "2", "--workspace", ws)
    assert document["versions"] == [1, 2] and document["tests"][0]["b"] is None
    text = cli("models", "compare", "churn", "1", "2", "--workspace", ws).stdout
    assert text.startswith("model churn: v1 vs v2\n") and "test holdout_metric" in text and "v1: no alias" in text


def test_the_model_card_is_written_once_its_report_is_kept(churn, tmp_path):
    workspace, ws = churn
    assert workspace.reports.get("churn", 1) is None
    out = tmp_path / "card.md"
    written = cli_json("models", "card", "churn:1", "--out", out, "--workspace", ws)
    assert written["path"] == str(out) and out.read_text() == written["card"]
    assert written["card"].startswith("# Model card: churn, version 1\n") and "## Metrics" in written["card"]
    assert workspace.reports.get("churn", 1)["rows"] == 600  # computed once, kept
    assert_one_error_line(cli("models", "card", "churn:1", "--out", out, "--workspace", ws, check=False), "already exists; choose another --out, or pass --overwrite")
    printed = cli("models", "card", "churn", "--workspace", ws).stdout
    assert printed.startswith("# Model card: churn, version 2\n")
    assert_one_error_line(cli("models", "card", "churn:x", "--workspace", ws, check=False), "is not MODEL or MODEL:VERSION")
    assert_one_error_line(cli("models", "card", "churn:1", "--out", tmp_path / "no" / "card.md", "--workspace", ws, check=False), "no such folder")


@pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer:UserWarning")
def test_export_writes_a_loadable_folder_and_refuses_in_one_line(churn, tmp_path):
    import mlflow.pyfunc as pyfunc  # the export extra, installed by the test command

    workspace, ws = churn
    exported = cli_json("models", "export", "churn:1", "--format", "mlflow", "--out", tmp_path / "mlflow", "--workspace", ws)
    assert exported == {
        "model": "churn", "version": 1, "format": "mlflow", "path": str((tmp_path / "mlflow").resolve()), "rows_checked": None, "max_difference": None,
    }  # fmt: skip
    holdout = workspace.models.holdout(workspace.models.get("churn", 1)).drop(columns=["y"])
    assert len(pyfunc.load_model(exported["path"]).predict(holdout)) == len(holdout)
    assert_one_error_line(cli("models", "export", "churn:1", "--format", "mlflow", "--out", tmp_path / "mlflow", "--workspace", ws, check=False), "already exists")
    onnx = cli_json("models", "export", "churn:1", "--format", "onnx", "--out", tmp_path / "onnx", "--workspace", ws)
    assert onnx["path"] == str((tmp_path / "onnx" / "churn_v1.onnx").resolve()) and onnx["rows_checked"] == 600 and onnx["max_difference"] <= 1e-4


def test_bad_input_is_one_line(churn):
    _, ws = churn
    assert_one_error_line(cli("models", "promote", "nope", "1", "--workspace", ws, check=False), "no model 'nope'")
    assert_one_error_line(cli("models", "promote", "churn", "9", "--workspace", ws, check=False), "churn has no version 9")
    assert_one_error_line(cli("models", "promote", "churn", "1", "--alias", "9lives", "--workspace", ws, check=False), "is not a valid alias")
    assert_one_error_line(cli("models", "promote", "churn", "1", "--reason", "  ", "--workspace", ws, check=False), "the reason is empty")
    assert_one_error_line(cli("models", "compare", "churn", "1", "7", "--workspace", ws, check=False), "churn has no version 7")
    assert_one_error_line(cli("models", "export", "churn", "--format", "pmml", "--out", "x", "--workspace", ws, check=False), "'pmml' is not one of")
