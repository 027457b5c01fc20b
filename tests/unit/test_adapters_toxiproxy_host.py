"""WanClient against a tiny fake Toxiproxy API on 127.0.0.1, and LocalHost with real short commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drills.adapters.host import Completed, LocalHost
from drills.adapters.toxiproxy import ProxyState, Toxic, WanClient
from drills.errors import FaultError
from tests.unit.fakes_http import FakeToxiproxy, closed_port, serve


@pytest.fixture
def toxi() -> FakeToxiproxy:
    app = FakeToxiproxy()
    for name in ("edge_a_chat", "a_b_pg", "b_a_pg"):
        app.add_proxy(name)
    return app


@pytest.fixture
def wan(toxi: FakeToxiproxy) -> Iterator[WanClient]:
    with serve(toxi) as url:
        host, port = url.removeprefix("http://").split(":")
        yield WanClient(host, int(port), timeout=2.0)


def test_version_and_proxies(wan: WanClient, toxi: FakeToxiproxy) -> None:
    assert wan.version() == "2.5.0"
    toxi.proxies["b_a_pg"]["enabled"] = False
    proxies = wan.proxies()
    assert sorted(proxies) == ["a_b_pg", "b_a_pg", "edge_a_chat"]
    assert proxies["b_a_pg"] == ProxyState("b_a_pg", toxi.proxies["b_a_pg"]["listen"], "b_a_pg:1", False)
    assert proxies["a_b_pg"].enabled


def test_create_a_proxy_and_refuse_a_second_one(wan: WanClient, toxi: FakeToxiproxy) -> None:
    state = wan.create("edge_b_chat", "[::]:10181", "chat-b:8080")
    assert state == ProxyState("edge_b_chat", "[::]:10181", "chat-b:8080", True)
    assert toxi.proxies["edge_b_chat"]["upstream"] == "chat-b:8080"
    with pytest.raises(FaultError, match=r"^toxiproxy create edge_b_chat: ProxyExists"):
        wan.create("edge_b_chat", "[::]:10181", "chat-b:8080")


def test_enable_and_disable_one_link(wan: WanClient, toxi: FakeToxiproxy) -> None:
    wan.set_enabled("a_b_pg", False)
    assert [n for n, p in toxi.proxies.items() if not p["enabled"]] == ["a_b_pg"]
    wan.set_enabled("a_b_pg", True)
    assert all(p["enabled"] for p in toxi.proxies.values())


def test_an_unknown_link_is_named_with_the_known_ones(wan: WanClient) -> None:
    with pytest.raises(FaultError, match=r"^no toxiproxy link named 'c_a_pg' \(links: a_b_pg, b_a_pg, edge_a_chat\)$"):
        wan.set_enabled("c_a_pg", False)


def test_set_many_changes_every_named_link_and_nothing_else(wan: WanClient, toxi: FakeToxiproxy) -> None:
    wan.set_many(["a_b_pg", "edge_a_chat"], False)
    assert {n: p["enabled"] for n, p in toxi.proxies.items()} == {"edge_a_chat": False, "a_b_pg": False,
                                                                   "b_a_pg": True}  # fmt: skip
    wan.set_many(["a_b_pg", "edge_a_chat"], True)
    assert all(p["enabled"] for p in toxi.proxies.values())
    wan.set_many([], False)


def test_set_many_with_an_unknown_link_changes_nothing(wan: WanClient, toxi: FakeToxiproxy) -> None:
    toxi.seen.clear()
    with pytest.raises(FaultError, match=r"^no toxiproxy link named 'nope' \(links: a_b_pg, b_a_pg, edge_a_chat\)$"):
        wan.set_many(["a_b_pg", "nope"], False)
    assert all(p["enabled"] for p in toxi.proxies.values())
    assert toxi.calls("POST") == 0


def test_toxics_are_added_listed_and_removed(wan: WanClient, toxi: FakeToxiproxy) -> None:
    wan.add_toxic("a_b_pg", "slow-latency", "latency", {"latency": 250, "jitter": 10})
    wan.add_toxic("a_b_pg", "slow-bandwidth", "bandwidth", {"rate": 64}, stream="upstream", toxicity=0.5)
    assert toxi.toxics["a_b_pg"]["slow-latency"] == {
        "name": "slow-latency", "type": "latency", "stream": "downstream", "toxicity": 1.0,
        "attributes": {"latency": 250, "jitter": 10},
    }  # fmt: skip
    assert toxi.toxics["a_b_pg"]["slow-bandwidth"]["stream"] == "upstream"
    assert toxi.toxics["a_b_pg"]["slow-bandwidth"]["toxicity"] == 0.5
    assert wan.toxics("a_b_pg") == ["slow-bandwidth", "slow-latency"]
    assert wan.toxics("b_a_pg") == []
    wan.remove_toxic("a_b_pg", "slow-latency")
    assert wan.toxics("a_b_pg") == ["slow-bandwidth"]


def test_toxic_errors_are_fault_errors(wan: WanClient, toxi: FakeToxiproxy) -> None:
    with pytest.raises(FaultError, match=r"^unknown toxic type 'drop' \(allowed: latency, bandwidth, slow_close"):
        wan.add_toxic("a_b_pg", "x", "drop", {})
    assert toxi.calls("POST") == 0  # refused before any call
    wan.add_toxic("a_b_pg", "x", "latency", {"latency": 1})
    with pytest.raises(FaultError, match=r"^toxiproxy add toxic x to a_b_pg: ProxyExists"):
        wan.add_toxic("a_b_pg", "x", "latency", {"latency": 1})
    with pytest.raises(FaultError, match=r"^toxiproxy remove toxic y from a_b_pg: NotFound"):
        wan.remove_toxic("a_b_pg", "y")


def test_a_toxic_call_on_an_unknown_link_names_the_known_ones(wan: WanClient, toxi: FakeToxiproxy) -> None:
    wan.add_toxic("a_b_pg", "t", "timeout", {"timeout": 0})
    assert toxi.calls("GET") == 0  # the happy path posts straight away: no listing first
    unknown = r"^no toxiproxy link named 'c_a_pg' \(links: a_b_pg, b_a_pg, edge_a_chat\)$"
    for call in (lambda: wan.add_toxic("c_a_pg", "t", "timeout", {"timeout": 0}), lambda: wan.toxics("c_a_pg"),
                 lambda: wan.remove_toxic("c_a_pg", "t")):  # fmt: skip
        with pytest.raises(FaultError, match=unknown):
            call()


def test_add_toxics_adds_each_links_toxics_in_order(wan: WanClient, toxi: FakeToxiproxy) -> None:
    wan.add_toxics([
        Toxic("a_b_pg", "hold", "slow_close", {"delay": 1000}, "upstream"),
        Toxic("edge_a_chat", "drop", "timeout", {"timeout": 0}),
        Toxic("a_b_pg", "drop", "timeout", {"timeout": 0}, "upstream", toxicity=0.5),
    ])  # fmt: skip
    assert list(toxi.toxics["a_b_pg"]) == ["hold", "drop"]  # the order Toxiproxy chains them in
    assert toxi.toxics["a_b_pg"]["drop"] == {"name": "drop", "type": "timeout", "stream": "upstream",
                                             "toxicity": 0.5, "attributes": {"timeout": 0}}  # fmt: skip
    assert toxi.toxics["edge_a_chat"]["drop"]["stream"] == "downstream" and toxi.toxics["b_a_pg"] == {}
    assert toxi.calls("GET") == 1  # one listing for all of them
    wan.add_toxics([])


@pytest.mark.parametrize(
    ("toxic", "error"),
    [
        (Toxic("nope", "t", "timeout", {"timeout": 0}), r"^no toxiproxy link named 'nope' \(links: a_b_pg, "),
        (Toxic("b_a_pg", "t", "drop", {}), r"^unknown toxic type 'drop' \(allowed: latency, "),
    ],
)
def test_add_toxics_with_an_unknown_link_or_type_adds_none(
    wan: WanClient, toxi: FakeToxiproxy, toxic: Toxic, error: str
) -> None:
    with pytest.raises(FaultError, match=error):
        wan.add_toxics([Toxic("a_b_pg", "t", "timeout", {"timeout": 0}), toxic])
    assert toxi.calls("POST") == 0 and all(t == {} for t in toxi.toxics.values())


def test_add_toxics_raises_the_first_error_once_every_link_is_done(wan: WanClient, toxi: FakeToxiproxy) -> None:
    wan.add_toxic("b_a_pg", "t", "latency", {"latency": 1})
    with pytest.raises(FaultError, match=r"^toxiproxy add toxic t to b_a_pg: ProxyExists"):
        wan.add_toxics([Toxic(link, "t", "timeout", {"timeout": 0}) for link in ("a_b_pg", "b_a_pg", "edge_a_chat")])
    assert list(toxi.toxics["a_b_pg"]) == ["t"] and list(toxi.toxics["edge_a_chat"]) == ["t"]


def test_remove_toxics_removes_only_the_named_ones_where_present(wan: WanClient, toxi: FakeToxiproxy) -> None:
    for link in ("a_b_pg", "edge_a_chat"):
        wan.add_toxic(link, "mine-1", "timeout", {"timeout": 0})
        wan.add_toxic(link, "mine-2", "slow_close", {"delay": 5})
    wan.add_toxic("a_b_pg", "other", "latency", {"latency": 1})
    del toxi.toxics["edge_a_chat"]["mine-1"]  # gone already
    toxi.seen.clear()
    wan.remove_toxics(["a_b_pg", "edge_a_chat", "b_a_pg"], ["mine-1", "mine-2"])
    assert toxi.toxics == {"a_b_pg": {"other": toxi.toxics["a_b_pg"]["other"]}, "edge_a_chat": {}, "b_a_pg": {}}
    assert [p for m, p, _ in toxi.seen if m == "DELETE" and "a_b_pg" in p] == [
        "/proxies/a_b_pg/toxics/mine-1", "/proxies/a_b_pg/toxics/mine-2"]  # fmt: skip
    wan.remove_toxics(["a_b_pg", "edge_a_chat"], ["mine-1", "mine-2"])  # idempotent


def test_reset_is_the_wans_heal_all(wan: WanClient, toxi: FakeToxiproxy) -> None:
    wan.set_enabled("b_a_pg", False)
    wan.add_toxic("edge_a_chat", "t", "timeout", {"timeout": 0})
    wan.reset()
    assert toxi.resets == 1
    assert all(p["enabled"] for p in toxi.proxies.values()) and wan.toxics("edge_a_chat") == []


def test_a_server_error_is_a_fault_error_with_its_status(wan: WanClient, toxi: FakeToxiproxy) -> None:
    toxi.forced.append(("GET", "/proxies", 500, "proxy table is locked"))
    with pytest.raises(
        FaultError, match=r"^toxiproxy GET http://127\.0\.0\.1:\d+/proxies: HTTP 500 proxy table is locked$"
    ):
        wan.proxies()


def test_an_unreachable_server_names_host_and_port() -> None:
    port = closed_port()
    wan = WanClient("127.0.0.1", port, timeout=2.0)
    with pytest.raises(FaultError, match=rf"^toxiproxy at 127\.0\.0\.1:{port} unreachable during list proxies: "):
        wan.proxies()


def test_a_hung_server_times_out_into_a_fault_error(wan: WanClient, toxi: FakeToxiproxy) -> None:
    slow = WanClient(wan.host, wan.port, timeout=0.1)
    toxi.hang.add("/reset")
    with pytest.raises(FaultError, match=r"unreachable during reset: .*[Tt]imed? ?out"):
        slow.reset()


# -- LocalHost --------------------------------------------------------------------------------------


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_run_captures_output_code_env_input_and_cwd(tmp_path: Path) -> None:
    code = ("import os, sys; data = sys.stdin.read(); print(os.environ['DRILLS_T'], os.getcwd(), data); "
            "sys.stderr.write('warn\\n'); sys.exit(4)")  # fmt: skip
    done = LocalHost().run(py(code), timeout=10, env={"DRILLS_T": "x1"}, input_bytes=b"in", cwd=tmp_path)
    assert (done.rc, done.ok) == (4, False)
    assert done.stdout.split() == ["x1", str(tmp_path.resolve()), "in"]
    assert done.stderr == "warn\n" and done.argv[0] == sys.executable
    assert done.last_line() == "warn"


def test_run_keeps_the_rest_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRILLS_KEPT", "yes")
    done = LocalHost().run(py("import os; print(os.environ.get('DRILLS_KEPT'), os.environ.get('DRILLS_T'))"),
                           timeout=10, env={"DRILLS_T": "2"})  # fmt: skip
    assert (done.ok, done.stdout.split()) == (True, ["yes", "2"])


def test_run_of_a_missing_command_and_a_timeout() -> None:
    missing = LocalHost().run(["/nonexistent/drills-tool", "x"], timeout=5)
    assert missing == Completed(
        ("/nonexistent/drills-tool", "x"), 127, "", "/nonexistent/drills-tool: command not found"
    )
    slow = LocalHost().run(py("import time; time.sleep(30)"), timeout=0.2)
    assert (slow.rc, slow.stderr) == (124, f"{sys.executable}: timed out after 0s")


def test_last_line_prefers_stderr_then_stdout_then_the_exit_code() -> None:
    assert Completed(("x",), 1, "a\nb\n", "  \n").last_line() == "b"
    assert Completed(("x",), 1, "a", "e1\ne2\n\n").last_line() == "e2"
    assert Completed(("x",), 9).last_line() == "exit code 9"
    assert Completed(("x",), 0).ok


def test_host_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    host = LocalHost()
    assert host.which("definitely-not-a-drills-tool") is None
    assert host.which(Path(sys.executable).name) is not None or host.which("sh") is not None
    assert host.is_root() == (os.geteuid() == 0)
    assert host.is_debian() == (Path("/etc/debian_version").exists() and host.which("apt-get") is not None)
    monkeypatch.setenv("DRILLS_FACT", "42")
    assert host.getenv("DRILLS_FACT") == "42"
    monkeypatch.delenv("DRILLS_FACT")
    assert host.getenv("DRILLS_FACT") is None


def test_spawn_daemon_detaches_and_logs_to_the_file(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "daemon.log"
    log.parent.mkdir()
    log.write_text("before\n")
    pid = LocalHost().spawn_daemon(py("import os, sys; print('sid', os.getsid(0) == os.getpid()); "
                                      "sys.stderr.write('err\\n')"), log)  # fmt: skip
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert log.read_text().splitlines() == ["before", "sid True", "err"]  # appended, own session, stderr too
