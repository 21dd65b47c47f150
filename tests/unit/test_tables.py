"""Lake tables beyond the store contract (tests/unit/test_store_contract.py): export's edges."""

import pandas as pd
import pyarrow.parquet as pq
import pytest

from studio import StudioError


def test_export_edges(workspace, files, tmp_path, monkeypatch):
    store = workspace.sources
    store.add_file(files["csv"], "orders")
    parquet = store.export("orders", tmp_path / "out.parquet")
    assert pq.read_table(parquet).num_rows == 100
    csv = store.export("orders", tmp_path / "out.csv")
    assert pd.read_csv(csv)["id"].sum() == 5050
    with pytest.raises(StudioError, match=r"\.parquet or \.csv"):
        store.export("orders", tmp_path / "out.xlsx")
    with pytest.raises(StudioError, match="no such folder"):
        store.export("orders", tmp_path / "missing" / "out.csv")
    # An existing file is kept unless overwriting is asked for.
    csv.write_text("keep me")
    with pytest.raises(StudioError, match=r"already exists; choose another path, or overwrite it \(--overwrite, or tick the box\)"):
        store.export("orders", csv)
    assert csv.read_text() == "keep me"
    assert pd.read_csv(store.export("orders", csv, overwrite=True))["id"].sum() == 5050
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(StudioError, match="is a folder"):
        store.export("orders", folder)
    with pytest.raises(StudioError, match="is a folder"):
        store.export("orders", tmp_path)
    # A folder nothing can be written to (as root too): one line for both formats, no leftovers.
    for unwritable in ("/proc/out.csv", "/proc/out.parquet"):
        with pytest.raises(StudioError, match="^/proc: not writable.*; choose a folder you can write to$"):
            store.export("orders", unwritable)
    # Relative paths and ~ are resolved, and the path written is returned whole.
    monkeypatch.chdir(tmp_path)
    assert store.export("orders", "relative.csv") == tmp_path / "relative.csv"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
