"""Clicks that land while another job finishes, in headless Chromium."""

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from studio import Workspace
from tests.helpers.servers import app_server

pytestmark = pytest.mark.e2e
CLICKS = 10


def wait_for(condition, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_every_add_source_click_makes_a_job_while_another_job_finishes(page: Page, tmp_path: Path) -> None:
    """Each click comes as the tab's previous add job ends, at offsets that sweep the poller's
    one-second period, so some land while the page reruns for that end. The lost click (seen
    twice in 50 tries) was such a run: it carried the click, but the poller at the head of the
    page saw the job end and called st.rerun() before the run reached the button, and the
    rerun came without the click. Every click must make exactly one job."""
    workspace = Workspace.init(tmp_path / "ws")
    csv = tmp_path / "small.csv"
    csv.write_text("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(50)))
    with app_server(workspace.root) as url:
        page.goto(f"{url}/sources")
        page.get_by_role("tab", name="File on the server").click()
        path_field = page.get_by_label("Path of a file on this machine")
        path_field.fill(str(csv))
        path_field.press("Enter")
        expect(page.get_by_label("Source name").nth(1)).to_have_value("small")
        button = page.locator('button:has-text("Add source"):visible')
        for click in range(CLICKS):
            page.wait_for_timeout(100 * click)  # 0 to 0.9 s after the previous job ended
            button.first.click()
            wait_for(lambda: len(workspace.jobs.list()) == click + 1, f"the job of click {click + 1}", timeout=30)
            wait_for(lambda: not workspace.jobs.list()[0].active, f"job {click + 1} to end")
    jobs = workspace.jobs.list()
    assert len(jobs) == CLICKS and all(job.status == "succeeded" for job in jobs), [(j.id, j.status, j.error) for j in jobs]
