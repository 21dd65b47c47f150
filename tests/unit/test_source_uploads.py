"""Uploaded files are saved under uploads/ whatever name the browser sends."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio import Workspace
from studio.sources._store import UPLOAD_NAME_MAX_BYTES, upload_file_name


def assert_saved_inside(workspace: Workspace, saved: Path, data: bytes) -> None:
    uploads = workspace.uploads_dir.resolve()
    assert saved.resolve().parent.parent == uploads  # uploads/<random>/<name>
    assert saved.read_bytes() == data
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]  # no temp file left beside it


@pytest.mark.parametrize(
    ("filename", "saved_as"),
    [
        ("../x", "x"),
        ("../../etc/passwd", "passwd"),
        ("..", "upload"),
        (".", "upload"),
        ("a/..", "upload"),
        ("", "upload"),
        ("/", "upload"),
        ("..\\..\\orders.csv", "orders.csv"),
        ("C:\\Users\\me\\orders.csv", "orders.csv"),
        ("orders\x00.csv", "orders.csv"),
        ("Orders 2024.csv.gz", "Orders 2024.csv.gz"),
    ],
)
def test_odd_upload_names_stay_inside_uploads(workspace, filename, saved_as):
    saved = workspace.sources.save_upload(filename, b"a\n1\n")
    assert saved.name == saved_as
    assert_saved_inside(workspace, saved, b"a\n1\n")


def test_a_long_name_is_cut_and_keeps_its_extensions(workspace):
    saved = workspace.sources.save_upload("é" * 300 + ".csv.gz", b"x")
    assert saved.name.endswith("é.csv.gz") and len(saved.name.encode()) <= UPLOAD_NAME_MAX_BYTES
    assert_saved_inside(workspace, saved, b"x")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filename=st.text(max_size=300), data=st.binary(max_size=64))
def test_any_upload_name_is_saved_inside_uploads(workspace, filename, data):
    assert_saved_inside(workspace, workspace.sources.save_upload(filename, data), data)
    assert upload_file_name(filename) not in ("", ".", "..")
