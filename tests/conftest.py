import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from studio import Workspace
from tests.helpers.servers import postgres_server

os.environ["STUDIO_JOB_MODULES"] = "tests.helpers.job_kinds"
os.environ.pop("STUDIO_DB_URL", None)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Small valid files in every supported format."""
    folder = tmp_path / "files"
    folder.mkdir()
    frame = pd.DataFrame(
        {
            "id": np.arange(1, 101),
            "city": ["Paris", "Lyon", "Nice", None] * 25,
            "amount": np.round(np.linspace(0.5, 50, 100), 2),
            "when": pd.date_range("2026-01-01", periods=100, freq="D"),
        }
    )
    paths = {
        "csv": folder / "data.csv",
        "tsv": folder / "data.tsv",
        "parquet": folder / "data.parquet",
        "json": folder / "data.json",
        "ndjson": folder / "data.ndjson",
        "xlsx": folder / "data.xlsx",
        "sqlite": folder / "data.sqlite",
    }
    frame.to_csv(paths["csv"], index=False)
    frame.to_csv(paths["tsv"], index=False, sep="\t")
    frame.to_parquet(paths["parquet"], index=False)
    records = json.loads(frame.to_json(orient="records", date_format="iso"))
    paths["json"].write_text(json.dumps(records))
    paths["ndjson"].write_text("\n".join(json.dumps(r) for r in records) + "\n")
    frame.to_excel(paths["xlsx"], index=False, sheet_name="orders")
    with sqlite3.connect(paths["sqlite"]) as connection:
        frame.assign(when=frame["when"].astype(str)).to_sql("orders", connection, index=False)
    return paths
