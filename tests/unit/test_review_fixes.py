"""Bugs a review found, each pinned by a test."""

import json
import sqlite3
import threading

import numpy as np
import pandas as pd
import pytest

from studio import StudioError
from tests.unit.test_cli import assert_one_error_line, studio


def test_timezone_timestamps_and_infinities_profile(workspace, tmp_path):
    path = tmp_path / "tz.csv"
    path.write_text("id,ts,x\n1,2024-01-01T10:00:00+02:00,inf\n2,2024-01-02T10:00:00+02:00,1.5\n")
    workspace.sources.add_file(path, "tz")
    profile = workspace.sources.profile("tz")
    columns = {c["name"]: c for c in profile["columns"]}
    assert columns["ts"]["type"] == "TIMESTAMP WITH TIME ZONE" and columns["ts"]["min"].startswith("2024-01-01")
    json.dumps(profile, allow_nan=False)  # valid JSON: no Infinity token


def test_wide_tables_profile_in_batches(workspace, tmp_path):
    path = tmp_path / "wide.parquet"
    pd.DataFrame(np.arange(3 * 400).reshape(3, 400), columns=[f"c{i}" for i in range(400)]).to_parquet(path)
    workspace.sources.add_file(path, "wide")
    profile = workspace.sources.profile("wide")
    assert len(profile["columns"]) == 400 and profile["columns"][-1]["max"] == 3 * 400 - 1


def test_concurrent_adds_of_one_name_all_succeed(workspace, files):
    errors, results = [], []

    def add(fmt):
        try:
            results.append(workspace.sources.add_file(files[fmt], "same"))
        except Exception as exc:  # noqa: BLE001 - the test collects whatever happens
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(fmt,)) for fmt in ("csv", "parquet", "json", "tsv")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Content may alternate (csv and tsv load the same rows), so count the adds that made a version.
    versions = workspace.sources.versions("same")
    assert sorted(v.version for v in versions) == sorted(r.table.version for r in results if not r.unchanged)
    assert {r.table.content_hash for r in results} == {v.content_hash for v in versions}


def test_names_differing_only_in_case_are_refused(workspace, files):
    workspace.sources.add_file(files["csv"], "orders")
    with pytest.raises(StudioError, match="names may not differ only in case"):
        workspace.sources.add_file(files["csv"], "ORDERS")
    workspace.sources.add_file(files["csv"], "sales")
    with pytest.raises(StudioError, match="exists already"):
        workspace.sources.rename("sales", "Orders")


def test_sqlite_queries_cannot_write_and_odd_paths_stay_read_only(workspace, tmp_path):
    folder = tmp_path / "odd#name"
    folder.mkdir()
    db = folder / "shop.sqlite"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE t (a int)")
        connection.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(StudioError, match="only SELECT"):
        workspace.sources.add_database(f"sqlite:///{db}", "x", query=f"VACUUM INTO '{tmp_path}/stolen.db'")
    assert not (tmp_path / "stolen.db").exists()
    assert workspace.sources.add_database(f"sqlite:///{db}", "t", table="t").table.rows == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd#name", "ws"]
    garbage = tmp_path / "garbage.db"
    garbage.write_text("not sqlite at all " * 100)
    with pytest.raises(StudioError, match="file is not a database"):
        workspace.sources.add_database(f"sqlite:///{garbage}", "g", table="t")


def test_job_parameters_hide_passwords(workspace):
    job_id = workspace.sources.submit_add_database("postgresql://ann:SuperSecret@127.0.0.1:1/db", "pg", "t", None)
    shown = workspace.jobs.get(job_id).to_json()
    assert "SuperSecret" not in json.dumps(shown) and "***" in shown["params"]["url"]


def test_cli_usage_errors_are_one_line(tmp_path, files):
    ws = tmp_path / "ws"
    studio("init", "--workspace", ws)
    assert_one_error_line(studio("sources", "add", files["csv"], "--workspace", ws, check=False), "Missing option '--name'")
    assert_one_error_line(studio("sources", "preview", "x", "--limit", "abc", "--workspace", ws, check=False), "'abc' is not a valid integer")
