"""The replica's healthcheck script (fixtures/*/http-ok.sh) against a real local HTTP server.

The script is bash run inside every replica container by Docker; its logic is pure enough to run
here: one GET per path, 200 means ok; with ``--hold N`` a container that already passed keeps
watching for N seconds inside the same process (so Docker execs it a tenth as often) and answers
"failed" at the first failing attempt. The three image contexts carry the same file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.unit.fakes_http import App, Reply, closed_port, serve

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SCRIPT = FIXTURES / "messenger-app" / "http-ok.sh"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None or shutil.which("timeout") is None,
                                reason="needs bash and coreutils' timeout")


@dataclass
class Ready(App):
    ok: bool = True

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any) -> Reply:
        if path == "/ready":
            return Reply(200 if self.ok else 503, "")
        return Reply(404, "")


Served = tuple[Ready, int]


@pytest.fixture
def app() -> Iterator[Served]:
    a = Ready()
    with serve(a) as url:
        yield a, int(url.rsplit(":", 1)[1])


def boot() -> str:
    stat = Path("/proc/1/stat").read_text()
    return stat.rsplit(") ", 1)[1].split()[19]


def http_ok(state: Path, *args: str) -> int:
    env = {**os.environ, "HTTP_OK_STATE_DIR": str(state)}
    return subprocess.run(["bash", str(SCRIPT), *args], check=False, env=env, timeout=30).returncode


def test_the_three_image_contexts_carry_the_same_script() -> None:
    copies = {p.relative_to(FIXTURES).as_posix(): p.read_bytes() for p in FIXTURES.glob("*/http-ok.sh")}
    assert sorted(copies) == ["edge-lb/http-ok.sh", "messenger-app/http-ok.sh", "replica-db/http-ok.sh"]
    assert len(set(copies.values())) == 1


def test_answers_from_one_request_per_path_without_hold(app: Served, tmp_path: Path) -> None:
    a, port = app
    assert http_ok(tmp_path, str(port), "/nope", "/ready") == 0
    assert [p for _, p, _ in a.seen] == ["/nope", "/ready"]
    assert http_ok(tmp_path, str(port), "/nope") == 1
    a.ok = False
    assert http_ok(tmp_path, f"127.0.0.1:{port}", "/ready") == 1
    assert list(tmp_path.iterdir()) == []  # nothing remembered without --hold


def test_a_hold_that_is_not_a_number_means_no_hold(app: Served, tmp_path: Path) -> None:
    a, port = app
    assert http_ok(tmp_path, "--hold", "ten", str(port), "/ready") == 0
    assert len(a.seen) == 1
    assert list(tmp_path.iterdir()) == []


def test_nothing_listening_fails(tmp_path: Path) -> None:
    assert http_ok(tmp_path, "--hold", "5", str(closed_port()), "/ready") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/1/stat").exists(), reason="needs /proc")
def test_first_pass_answers_at_once_and_is_remembered_for_this_boot(app: Served, tmp_path: Path) -> None:
    a, port = app
    assert http_ok(tmp_path, "--hold", "2", str(port), "/ready") == 0
    assert len(a.seen) == 1
    assert (tmp_path / f".http-ok-{port}").read_text().strip() == boot()


@pytest.mark.skipif(not Path("/proc/1/stat").exists(), reason="needs /proc")
def test_after_a_pass_the_next_check_keeps_watching_before_it_answers_ok(app: Served, tmp_path: Path) -> None:
    a, port = app
    (tmp_path / f".http-ok-{port}").write_text(boot() + "\n")
    assert http_ok(tmp_path, "--hold", "2", str(port), "/ready") == 0
    assert len(a.seen) >= 2  # several attempts inside the one exec


@pytest.mark.skipif(not Path("/proc/1/stat").exists(), reason="needs /proc")
def test_a_failure_while_watching_answers_failed_at_once_and_forgets_the_pass(app: Served, tmp_path: Path) -> None:
    a, port = app
    mark = tmp_path / f".http-ok-{port}"
    mark.write_text(boot() + "\n")
    a.ok = False
    assert http_ok(tmp_path, "--hold", "10", str(port), "/ready") == 1
    assert len(a.seen) == 1
    assert not mark.exists()
    a.ok = True
    assert http_ok(tmp_path, "--hold", "10", str(port), "/ready") == 0  # answer-at-once again
    assert len(a.seen) == 2


@pytest.mark.skipif(not Path("/proc/1/stat").exists(), reason="needs /proc")
def test_a_pass_from_an_earlier_start_of_the_container_does_not_count(app: Served, tmp_path: Path) -> None:
    a, port = app
    mark = tmp_path / f".http-ok-{port}"
    mark.write_text("1\n")  # PID 1 started at another instant: a restarted container
    assert http_ok(tmp_path, "--hold", "10", str(port), "/ready") == 0
    assert len(a.seen) == 1
    assert mark.read_text().strip() == boot()


def test_the_notes_example_image_contexts_carry_the_same_helper_scripts() -> None:
    """Each Docker build context needs its own copy; the copies must not drift apart."""
    images = FIXTURES.parent / "examples" / "notes-redis" / "images"
    for name, count in (("hold-check", 3), ("http-200", 2)):
        copies = [p.read_bytes() for p in images.glob(f"*/{name}")]
        assert len(copies) == count and len(set(copies)) == 1, name
