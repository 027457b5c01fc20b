"""YAML source with positions: parse once, keep the line of every node, within fixed limits.

Vocabulary
    path     a tuple of keys and indexes into the parsed data, e.g. ("faults", 2, "at");
             rendered for users as ``faults[2].at`` by :func:`render_path`.
    LineMap  path -> 1-based line of the node (for a mapping entry: the line of its key).
    limits   what a YAML file drills reads may hold, so that a hostile file (a scenario is
             often someone else's) fails in well under a second with one line, never a
             traceback, a hang or gigabytes of memory::

                 MAX_BYTES          1 MB of text
                 MAX_DEPTH          64 levels of nesting (also once aliases are expanded)
                 MAX_ALIASES        200 aliases (``*name``)
                 MAX_VALUES         20,000 values once aliases and merge keys are expanded:
                                    an alias bomb ("billion laughs") stops here
                 MAX_NUMBER_CHARS   32 characters in a number (a 400-digit duration)

             The shipped compose file holds about 1,100 values, 7 levels and 50 aliases;
             a scenario a few hundred values.

Lifecycle: :func:`read_limited` reads a regular file, at most the size limit (a huge file is
not read to its end, a FIFO or a device not at all), :func:`decode` insists on UTF-8, then
:func:`parse_yaml` composes the node tree (so positions are known; depth, alias and value
counts are enforced as it goes), walks it once recording lines (duplicate keys, expanded size
and depth, recursive aliases, long numbers), and only then builds plain data. Every problem is
a :class:`YamlProblem` (message + line); the caller turns it into its own error (ScenarioError)
with the file name. Compose's ``!reset`` / ``!override`` tags are understood (``!reset`` -> RESET).

libyaml's parser (PyYAML's C extension) produces the events when it is installed: PyYAML's
pure-Python one takes seconds over a 1 MB file. The composer stays PyYAML's own, in Python, so
that the limits hold before any node past them exists.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from drills.model.fields import FieldPath

__all__ = [
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NUMBER_CHARS",
    "MAX_VALUES",
    "RESET",
    "LineMap",
    "YamlProblem",
    "decode",
    "parse_yaml",
    "read_limited",
    "render_path",
]

MAX_BYTES = 1_000_000
MAX_DEPTH = 64
MAX_ALIASES = 200
MAX_VALUES = 20_000
MAX_NUMBER_CHARS = 32
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class _Reset:
    def __repr__(self) -> str:
        return "RESET"


RESET: Any = _Reset()


class YamlProblem(ValueError):
    def __init__(self, message: str, line: int | None, field: str = "") -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.line = line
        self.field = field


@dataclass(frozen=True)
class LineMap:
    lines: dict[FieldPath, int]

    def line_of(self, path: FieldPath) -> int | None:
        """Line of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while True:
            if p in self.lines:
                return self.lines[p]
            if not p:
                return None
            p = p[:-1]


def read_limited(path: Path) -> bytes:
    """The bytes of ``path``, reading no more than the limit; OSError as raised (a directory too),
    YamlProblem when it is too large or not a regular file (a FIFO would block, a device not end)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: opening a FIFO does not wait for a writer
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise YamlProblem("not a regular file (a FIFO, a socket or a device); a YAML file is expected", None)
        raw = fh.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise _too_large()
    return raw


def decode(raw: bytes) -> str:
    """``raw`` as UTF-8 text; YamlProblem naming the first bad byte and its line."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise YamlProblem(f"not UTF-8 text ({exc.reason} at byte {exc.start})", line) from exc


def _too_large() -> YamlProblem:
    return YamlProblem(f"too large: over {MAX_BYTES:,} bytes (1 MB, the limit of a YAML file drills reads)", None)


def _line(mark: Any) -> int | None:
    return int(mark.line) + 1 if mark is not None else None


class _Limited(Composer, SafeConstructor, Resolver):
    """PyYAML's safe loader minus its parser, with the limits enforced while composing, and
    values its constructors cannot build (a 13th month) reported at their line."""

    def __init__(self) -> None:
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0
        self._aliases = 0
        self._values = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]  # the parser's (C or Python)
        line = _line(event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlProblem(f"more than {MAX_ALIASES} aliases (*name): the limit of a YAML file drills reads",
                                  line)  # fmt: skip
            return super().compose_node(parent, index)
        self._values += 1
        if self._values > MAX_VALUES:
            raise YamlProblem(f"more than {MAX_VALUES:,} values: the limit of a YAML file drills reads", line)
        if self._depth >= MAX_DEPTH:
            raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep: the limit of a YAML file drills reads", line)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as exc:  # e.g. a timestamp 2024-13-45
            raise ConstructorError(None, None, f"cannot read this value: {exc}", node.start_mark) from exc


# (typed SafeLoader as the stubs ask; they are called with a _Limited, which constructs the same)
def _reset(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return RESET


def _override(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Limited.add_constructor("!reset", _reset)
_Limited.add_constructor("!override", _override)


class _PyLoader(_Limited, Reader, Scanner, Parser):
    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        _Limited.__init__(self)


_new_loader: Callable[[str], _Limited] = _PyLoader
try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml: same events, slower
    pass
else:

    class _CLoader(_Limited, CParser):
        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            _Limited.__init__(self)

    _new_loader = _CLoader


def parse_yaml(text: str) -> tuple[Any, LineMap]:
    """Return (data, lines); raise YamlProblem for bad YAML, duplicate keys or a broken limit."""
    if len(text) > MAX_BYTES:
        raise _too_large()
    loader: _Limited | None = None
    try:
        loader = _new_loader(text)
        node = loader.get_single_node()
        walk = _Walk()
        if node is None:
            return None, LineMap(walk.lines)
        walk.node(node, (), record=True)
        data = loader.construct_document(node)
    except ReaderError as exc:  # a control character (NUL, ...): the readers refuse it before any event
        raise _control_character(text, exc) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = _line(mark)
        problem = exc.problem or exc.context or "invalid YAML"
        ctx = exc.context_mark if exc.context and exc.problem else None
        if ctx is not None and _line(ctx) != line:
            problem = f"{exc.context} (line {_line(ctx)}): {problem}"
        raise YamlProblem(f"invalid YAML: {problem}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {' '.join(str(exc).split())}", None) from exc
    finally:
        if loader is not None:
            loader.dispose()  # type: ignore[attr-defined]  # the parser's
    return data, LineMap(walk.lines)


def _control_character(text: str, exc: ReaderError) -> YamlProblem:
    """The first such character's line (the C and Python readers count positions differently)."""
    code = exc.character if isinstance(exc.character, int) else -1
    at = text.find(chr(code)) if 0 <= code <= 0x10FFFF else -1
    what = f"character #x{code:04x}" if code >= 0 else "a character"
    line = text.count("\n", 0, at) + 1 if at >= 0 else None
    return YamlProblem(f"invalid YAML: {what} is not allowed (control characters other than tab and newlines)", line)


@dataclass
class _Walk:
    """One pass over the node tree as the data will be (aliases and merge keys expanded)."""

    lines: dict[FieldPath, int] = field(default_factory=dict)
    values: int = 0
    walking: set[int] = field(default_factory=set)  # the collections being walked, for recursive aliases

    def node(self, node: yaml.Node, path: FieldPath, record: bool) -> None:
        line = node.start_mark.line + 1
        self.values += 1
        if self.values > MAX_VALUES:
            raise self._expanded(f"more than {MAX_VALUES:,} values once aliases are expanded (an alias bomb?)",
                                 path, line)  # fmt: skip
        if record:
            self.lines.setdefault(path, line)
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
                raise YamlProblem(f"a number of {len(node.value)} characters: at most {MAX_NUMBER_CHARS} are read",
                                  line, render_path(path))  # fmt: skip
            return
        if id(node) in self.walking:
            raise YamlProblem("an alias refers to a collection that contains it (a recursive alias)", line,
                              render_path(path))  # fmt: skip
        if len(self.walking) >= MAX_DEPTH:
            raise self._expanded(f"nested more than {MAX_DEPTH} levels deep once aliases are expanded", path, line)
        self.walking.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._mapping(node, path, record)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                if record:
                    self.lines[path + (i,)] = item.start_mark.line + 1
                self.node(item, path + (i,), record)
        self.walking.discard(id(node))

    def _expanded(self, rule: str, path: FieldPath, line: int) -> YamlProblem:
        """A limit broken by expansion, blamed on the top-level entry that expands: the node at hand
        is an anchor's, whose line says nothing of where it was copied to."""
        top = path[:1]
        return YamlProblem(f"{rule}: the limit of a YAML file drills reads", self.lines.get(top, line),
                           render_path(top))  # fmt: skip

    def _mapping(self, node: yaml.MappingNode, path: FieldPath, record: bool) -> None:
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            self.node(key_node, path, record=False)
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = str(key_node.value)
            if key == "<<":  # a merge key: its values count, their lines are not this mapping's keys
                self.node(value_node, path, record=False)
                continue
            line = key_node.start_mark.line + 1
            if key in seen:
                raise YamlProblem(
                    f"duplicate key '{key}' (first on line {seen[key]})", line, render_path(path + (key,))
                )
            seen[key] = line
            if record:
                self.lines[path + (key,)] = line
            self.node(value_node, path + (key,), record)


def render_path(path: FieldPath) -> str:
    """("faults", 2, "at") -> "faults[2].at"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
