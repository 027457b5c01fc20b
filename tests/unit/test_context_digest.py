"""An image's context digest (drills.setup.replica_images): what decides whether a run rebuilds it."""

from __future__ import annotations

from pathlib import Path

from drills.setup.replica_images import context_digest

ROOT = Path(__file__).resolve().parents[2]


def test_python_bytecode_a_test_run_leaves_does_not_change_the_digest(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm-slim\nCOPY app /app\n")
    (tmp_path / "app" / "main.py").write_text("print('hi')\n")
    before = context_digest(tmp_path)
    (tmp_path / "app" / "__pycache__").mkdir()
    (tmp_path / "app" / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\x00bytecode")
    (tmp_path / "app" / "stray.pyc").write_bytes(b"\x00")
    assert context_digest(tmp_path) == before
    (tmp_path / "app" / "main.py").write_text("print('hello')\n")
    assert context_digest(tmp_path) != before  # a real change still rebuilds


def test_every_image_context_keeps_bytecode_out_of_the_build_too() -> None:
    """The digest leaves bytecode out; each context's .dockerignore must, or the image would differ."""
    contexts = [p.parent for p in (*ROOT.glob("fixtures/*/Dockerfile"), *ROOT.glob("examples/*/images/*/Dockerfile"))]
    assert len(contexts) >= 6
    for context in contexts:
        ignored = (context / ".dockerignore").read_text().split()
        assert {"**/__pycache__", "**/*.pyc"} <= set(ignored), context
