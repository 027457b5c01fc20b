"""Hostile scenario files: every one is refused with one line naming the file (exit 2), fast.

The limits of the YAML reader (size, aliases, nesting, numbers, control characters, encoding),
files outside the repository, and a fuzz test over the loader: any bytes, and mutations of the
shipped scenarios, give a Scenario or a ScenarioError, never another exception, each within a
second (hypothesis' deadline). The pytest-timeout marks only catch a hang (the alias bomb took
over a minute before the limits).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import drills.scenario.discover as discover_module
from drills.errors import EXIT_INVALID, ScenarioError
from drills.model.scenario import Scenario
from drills.scenario import load_scenario, yamlsrc
from drills.scenario.discover import fallback_only
from drills.scenario.yamlsrc import MAX_ALIASES, MAX_BYTES, MAX_DEPTH, YamlProblem, parse_yaml

DATA = Path(__file__).parent / "data"
REPO = DATA / "repo"
SHIPPED = sorted((Path(__file__).parents[2] / "scenarios").glob("*.yaml"))
CUT = "faults:\n  - {id: cut, type: power_cut, site: a, at: 1s, duration: 30s}\n"


def billion_laughs() -> bytes:
    """The classic alias bomb: 9 levels of 9 aliases, about 400 bytes, 10^9 strings once expanded."""
    lines = ["name: x", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)]
    return ("\n".join(lines) + "\n").encode()


HOSTILE: list[tuple[str, bytes, str, int | None]] = [
    # (case, file content, in the rule, line)
    ("too-large", b"name: x\ndescription: '" + b"x" * MAX_BYTES + b"'\n", "too large: over 1,000,000 bytes", None),
    ("alias-bomb", billion_laughs(), "values once aliases are expanded", 6),
    ("many-aliases", b"name: x\na: &a 1\nb: [" + b", ".join([b"*a"] * (MAX_ALIASES + 1)) + b"]\n",
     f"more than {MAX_ALIASES} aliases", 3),
    ("recursive-alias", b"name: x\nsettle: &loop [1, *loop]\n", "recursive alias", 2),
    ("deep-nesting", b"name: x\nsettle: " + b"[" * 20_000 + b"]" * 20_000 + b"\n", "nesting depth", 2),
    ("nesting-over-the-limit", b"name: x\nsettle: " + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"\n",
     f"nested more than {MAX_DEPTH} levels", 2),
    ("400-digit-number", b"name: x\nsettle: " + b"9" * 400 + b"\n", "a number of 400 characters", 2),
    ("400-digit-duration", b"name: x\nsettle: '" + b"9" * 400 + b"s'\n", "must be <= 24h", 2),
    ("1e99-duration", b"name: x\nsettle: 1.0e+99\n", "must be <= 24h", 2),
    ("spaces-in-a-duration", b"name: x\nsettle: '1" + b" " * 100_000 + b"x'\n", "not a duration", 2),
    ("nul-byte", b"name: x\nsettle: 1\x00\n", "character #x0000 is not allowed", 2),
    ("not-utf-8", b"name: x\ndescription: caf\xe9\n", "not UTF-8 text", 2),
    ("impossible-date", b"name: x\ndescription: 2024-13-45\n", "cannot read this value", 2),
    ("unhashable-key", b"name: x\n? [a]\n: b\n", "unhashable", 2),
    ("keys-of-every-type", b"name: x\n1: a\nnull: b\ntrue: c\n", "unknown field", 2),
    ("newline-in-a-value", b'name: x\nfaults:\n  - {id: c, type: power_cut, site: "a\\nb", at: 1s, duration: 30s}\n',
     "unknown site", 3),
    ("megabyte-key", b"name: x\n? " + b"k" * 900_000 + b"\n: 1\n", "unknown field", 2),
    ("compose-outside", b"name: x\ntopology: {compose: /etc/passwd}\n", "is outside the repository", 2),
    ("compose-up-and-out", b"name: x\ntopology:\n  compose: ../../../../../../etc/passwd\n",
     "is outside the repository", 3),
    ("variant-path", b"name: x\ntopology: {variant: ../../x}\n", "is not a variant name", 2),
    ("variant-trailing-newline", b'name: x\ntopology: {variant: "kakao-2022\\n"}\n', "is not a variant name", 2),
]  # fmt: skip


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("content", "rule", "line"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_a_hostile_file_is_refused_with_one_line(tmp_path: Path, content: bytes, rule: str, line: int | None) -> None:
    p = tmp_path / "s.yaml"
    p.write_bytes(content)
    with pytest.raises(ScenarioError) as info:
        load_scenario(p, repo_root=REPO)
    err = info.value
    assert rule in err.rule
    assert (err.file, err.line, err.exit_code) == (str(p), line, EXIT_INVALID)
    assert "\n" not in str(err) and len(str(err)) < 1200
    assert str(err).startswith(f"{p}:{line}: " if line is not None else f"{p}: ")


def test_the_fields_blamed_are_the_scenarios(tmp_path: Path) -> None:
    """/etc/passwd is never read: the error is the scenario's, at its field (it was /etc/passwd:1)."""
    p = tmp_path / "s.yaml"
    for content, field in ((b"name: x\ntopology: {compose: /etc/passwd}\n", "topology.compose"),
                           (b"name: x\ntopology: {variant: ../../x}\n", "topology.variant"),
                           (b"name: x\nsettle: " + b"9" * 400 + b"\n", "settle")):  # fmt: skip
        p.write_bytes(content)
        with pytest.raises(ScenarioError) as info:
            load_scenario(p, repo_root=REPO)
        assert (info.value.file, info.value.field) == (str(p), field)


@pytest.mark.timeout(10)
def test_a_directory_a_fifo_or_a_device_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r": cannot read scenario file: Is a directory$"):
        load_scenario(tmp_path, repo_root=REPO)
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # an ordinary open would wait for a writer forever
    for special in (fifo, Path("/dev/zero")):  # /dev/zero: endless
        with pytest.raises(ScenarioError, match=r": not a regular file \(a FIFO, a socket or a device\)"):
            load_scenario(special, repo_root=REPO)


def test_a_compose_file_inside_the_repository_through_dot_dot_is_fine(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(f"name: x\ntopology: {{compose: fixtures/../docker-compose.yml}}\n{CUT}")
    assert load_scenario(p, repo_root=REPO).topology.sites == ("a", "b")


def test_a_compose_file_linked_into_the_repository_is_the_repositorys(tmp_path: Path) -> None:
    """Paths are confined as written: a link inside the repository is its own (tests build repos of links)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for item in REPO.iterdir():
        (repo / item.name).symlink_to(item)
    p = repo / "s.yaml"
    p.write_text(f"name: x\n{CUT}")
    assert load_scenario(p).topology.sites == ("a", "b")


def test_the_yaml_reader_keeps_compose_anchors_and_merge_keys_within_limits() -> None:
    text = "x-common: &common {labels: {a: b}}\nservices:\n  s1: {<<: *common, image: i}\n  s2: {<<: *common}\n"
    data, lines = parse_yaml(text)
    assert data["services"]["s1"] == {"labels": {"a": "b"}, "image": "i"}
    assert lines.line_of(("services", "s2")) == 4
    bomb = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{n}: &{n} {{<<: {{k: [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]}}}}\n"
        for p, n in zip("abcde", "bcdef", strict=True)
    ) + "g: {<<: *f}\n"
    with pytest.raises(YamlProblem, match="values once aliases are expanded"):
        parse_yaml(bomb)


# ---- the fuzz test ---------------------------------------------------------------------------
FUZZ = settings(max_examples=40, deadline=timedelta(seconds=1), database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
# the autouse state_dir fixture: the loader never reads it, so sharing it across examples is harmless


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where each example is written; topologies read by drills' own reader (no Compose CLI: fast,
    and the same on a laptop without it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(discover_module, "read_model", fallback_only)
        load_scenario(SHIPPED[0], repo_root=REPO)  # imports, the schema: not the first example's time
        yield tmp_path_factory.mktemp("fuzz") / "s.yaml"


def _outcome(path: Path, content: bytes) -> Scenario | ScenarioError:
    path.write_bytes(content)
    try:
        return load_scenario(path, repo_root=REPO)
    except ScenarioError as err:
        return err


def _assert_clean(path: Path, content: bytes) -> None:
    out = _outcome(path, content)  # any other exception fails the test
    if isinstance(out, ScenarioError):
        assert out.exit_code == EXIT_INVALID
        assert str(out).startswith(str(path)) and "\n" not in str(out)
    else:
        assert isinstance(out, Scenario)


@FUZZ
@given(content=st.binary(max_size=2048))
def test_fuzz_any_bytes(fuzz_file: Path, content: bytes) -> None:
    _assert_clean(fuzz_file, content)


@st.composite
def byte_mutants(draw: st.DrawFn) -> bytes:
    """A shipped scenario with a few bytes flipped, removed, inserted or repeated."""
    raw = bytearray(draw(st.sampled_from(SHIPPED)).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(raw)))
        j = min(len(raw), i + draw(st.integers(1, 64)))
        op = draw(st.sampled_from(["flip", "delete", "insert", "repeat"]))
        if op == "flip" and i < len(raw):
            raw[i] = draw(st.integers(0, 255))
        elif op == "delete":
            del raw[i:j]
        elif op == "insert":
            raw[i:i] = draw(st.sampled_from([b"&a ", b"*a", b"[", b"{", b"\n  ", b": ", b"- ", b"\x00", b"\xff",
                                             b"9" * 40, b"-1s", b"1e99", b"<<: ", b"!!", b"'", b'"']))  # fmt: skip
        else:
            raw[i:i] = raw[i:j] * draw(st.integers(1, 8))
    return bytes(raw)


@FUZZ
@given(content=byte_mutants())
def test_fuzz_byte_mutations_of_the_shipped_scenarios(fuzz_file: Path, content: bytes) -> None:
    _assert_clean(fuzz_file, content)


_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=True),
    st.sampled_from(["a", "b", "c", "edge", "chat", "login", "devtools", "*", "0s", "1s", "30s", "25h", "-1s",
                     "100ms", "power_cut", "kill", "wan", "partition", "edge_a_chat", "a_b_pg", "kakao-2022",
                     "../x", "/etc/passwd", "docker-compose.yml"]),
    st.text(max_size=20),
)  # fmt: skip
_VALUES = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["id", "type", "site", "at", "duration", "service", "link", "between", "timeout", "target",
                     "capability", "x"]), inner, max_size=4), max_leaves=12)  # fmt: skip


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*path, i))
    return out


@st.composite
def data_mutants(draw: st.DrawFn) -> bytes:
    """A shipped scenario with a few of its values replaced, removed or copied elsewhere, as YAML."""
    data = yaml.safe_load(draw(st.sampled_from(SHIPPED)).read_text())
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)[1:]))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        op = draw(st.sampled_from(["replace", "remove", "copy"]))
        if op == "remove":
            del parent[path[-1]]
        elif op == "copy" and isinstance(parent, list):
            parent.append(parent[path[-1]])  # e.g. a second power cut of the same site
        else:
            parent[path[-1]] = draw(_VALUES)
    return yaml.safe_dump(data, sort_keys=False).encode()


@FUZZ
@given(content=data_mutants())
def test_fuzz_value_mutations_of_the_shipped_scenarios(fuzz_file: Path, content: bytes) -> None:
    _assert_clean(fuzz_file, content)


@pytest.mark.parametrize("parser", ["libyaml", "python"])
@pytest.mark.parametrize(
    ("text", "rule", "line"),
    [
        (billion_laughs().decode(), "values once aliases are expanded", 6),
        ("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n", f"nested more than {MAX_DEPTH} levels", 1),
        ("a: &x [1, *x]\n", "recursive alias", 1),
        ("a: 1\nb: 1\x00\n", "character #x0000 is not allowed", 2),
        ("a: 1\nb: -" + "1" * 40 + "\n", "a number of 41 characters", 2),
        ("a: 1\nb: [1\nc: 2\n", "invalid YAML", 3),
    ],
)
def test_both_parsers_keep_the_limits(monkeypatch: pytest.MonkeyPatch, parser: str, text: str, rule: str,
                                      line: int) -> None:  # fmt: skip
    """libyaml's parser when PyYAML has it (30x faster over a megabyte), PyYAML's own otherwise."""
    if parser == "python":
        monkeypatch.setattr(yamlsrc, "_new_loader", yamlsrc._PyLoader)
    with pytest.raises(YamlProblem) as info:
        parse_yaml(text)
    assert rule in info.value.message and info.value.line == line
