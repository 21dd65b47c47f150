"""The demo world: ``studio demo`` builds a workspace that shows everything the studio does."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from studio.demo._world import write_demo_files
from studio.jobs import JobContext

if TYPE_CHECKING:
    from studio.workspace import Workspace

DEMO_FOLDER = "demo_files"


def build_demo(workspace: "Workspace", progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """Generate the demo files and add them as sources (idempotent: same content, same version)."""
    report = progress or (lambda fraction, message: None)
    report(0.05, "generating the demo files")
    paths = write_demo_files(workspace.root / DEMO_FOLDER)
    store = workspace.sources
    added = []
    steps = [
        ("orders", lambda: store.add_file(paths["orders"], "orders")),
        ("restaurants_a", lambda: store.add_file(paths["restaurants_a"], "restaurants_a")),
        ("restaurants_b", lambda: store.add_database(f"sqlite:///{paths['restaurants_b']}", "restaurants_b", table="merchants")),
        ("couriers", lambda: store.add_file(paths["couriers"], "couriers")),
    ]
    for index, (name, add) in enumerate(steps):
        report(0.2 + 0.7 * index / len(steps), f"adding {name}")
        result = add()
        store.profile(name, result.source.version)
        added.append({**result.to_json(), "name": name})
    report(1.0, "demo ready")
    return {"workspace": str(workspace.root), "sources": added}


def build_demo_job(context: JobContext, workspace: "Workspace") -> dict[str, Any]:
    return build_demo(workspace, progress=context.progress)


__all__ = ["build_demo", "build_demo_job", "write_demo_files"]
