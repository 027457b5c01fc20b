"""The HTML report in a real browser: headless Chromium, with every network path blocked.

Renders a bundle from a literal failed result with a realistic timeline (site a power cut,
devtools single-site), then:
  * ``--dump-dom`` with a dead proxy and every host name unresolvable: the checks table and
    the chart SVGs are in the DOM, so nothing the page needs comes from the network;
  * a 1280x2000 screenshot (kept under pytest's tmp dir, path printed) for a human to look at;
  * the first screen (1280x800): the objectives table's header (its own colour, #1f3a5f) is in it.

Needs no Docker engine. Chromium comes from Debian: when it is missing and we are root on
Debian, it is installed (``apt-get install -y --no-install-recommends chromium``); otherwise the
test skips with the reason locally, and fails in CI (CI set), where it must run.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from drills.model.result import DrillResult
from drills.report import write_bundle
from drills.report.synthetic import synthetic_run, write_jsonl

pytestmark = pytest.mark.integration

BLOCK_NETWORK = ["--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", "--no-pings"]


@pytest.fixture(autouse=True)
def _engine_for_integration() -> None:
    """Overrides the conftest fixture of the same name: a browser test needs no Docker engine."""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test: {reason}")
    pytest.skip(reason)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    if os.geteuid() != 0 or not Path("/etc/debian_version").exists():
        _unavailable("chromium is not installed (Debian: apt-get install -y --no-install-recommends chromium)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]
    for cmd in (["apt-get", "update", "-qq"], install):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=False)
        if proc.returncode != 0:
            _unavailable(f"installing chromium failed: {' '.join(cmd)}: {proc.stderr.strip()[-300:]}")
    found = shutil.which("chromium")
    if not found:
        _unavailable("chromium was installed but is not on PATH")
    return str(found)


def _run(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           f"--user-data-dir={profile}", *BLOCK_NETWORK, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def _bundle(tmp_path: Path, environment: dict[str, object]) -> tuple[DrillResult, Path]:
    """The synthetic failed run (site a cut, devtools single-site) as a bundle under ``tmp_path``."""
    result, records = synthetic_run()
    write_jsonl(records, tmp_path / "timeline.jsonl")
    (tmp_path / "scenario.yaml").write_text("name: site-a-power-cut\n")
    return result, write_bundle(result, tmp_path / "timeline.jsonl", tmp_path / "scenario.yaml",
                                tmp_path / "bundle", environment)  # fmt: skip


def test_report_renders_offline_in_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    result, bundle = _bundle(tmp_path, {"docker": "27.3.1"})
    page = (bundle / "report.html").resolve()
    html = page.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|@import|url\(|<script|<link""", html, re.IGNORECASE)

    dom = _run(browser, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    out = dom.stdout
    assert 'id="verdict">FAILED<' in out
    assert len(re.findall(r'<tr class="check-row">', out)) == len(result.verdicts)
    assert out.count('<svg class="chart"') == 3 and "<polyline" in out and "inject cut-a" in out
    assert "devtools was unavailable for 100% of the outage window" in out
    assert 'id="sign-off"' in out

    shot = tmp_path / "report.png"
    cap = _run(browser, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,2000",
               "--hide-scrollbars", page.as_uri())
    assert cap.returncode == 0, cap.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit, non-interlaced PNG such as Chromium writes."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(png):
        (length,), kind = struct.unpack(">I", png[pos:pos + 4]), png[pos + 4:pos + 8]
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data)
            assert depth == 8 and interlace == 0 and colour in (2, 6), (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    raw, stride, rows = zlib.decompress(idat), width * channels, []
    prev = bytearray(stride)
    for y in range(height):
        ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, channels, rows


def test_the_first_screen_shows_the_objectives_table(tmp_path: Path) -> None:
    browser = _chromium()
    _, bundle = _bundle(tmp_path, {"host": {"hostname": "drill-host"}})
    shot = tmp_path / "first-screen.png"
    cap = _run(browser, tmp_path / "profile-first", f"--screenshot={shot}", "--window-size=1280,800",
               "--hide-scrollbars", (bundle / "report.html").resolve().as_uri())
    assert cap.returncode == 0, cap.stderr[-2000:]
    width, channels, rows = _pixels(shot.read_bytes())
    header = bytes((0x1F, 0x3A, 0x5F))  # #objectives th, a colour used nowhere else on the page
    hits = [y for y, row in enumerate(rows) for x in range(0, width * channels, channels * 8)
            if row[x:x + 3] == header]
    print(f"first screen: {shot}; objectives header rows {min(hits, default=-1)}-{max(hits, default=-1)}")
    assert hits, "the objectives table is not on the first screen (1280x800)"
