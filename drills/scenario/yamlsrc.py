"""YAML source with positions: parse once, keep the line of every node.

Vocabulary
    path     a tuple of keys and indexes into the parsed data, e.g. ("faults", 2, "at");
             rendered for users as ``faults[2].at`` by :func:`render_path`.
    LineMap  path -> 1-based line of the node (for a mapping entry: the line of its key).

Lifecycle: :func:`parse_yaml` composes the PyYAML node tree (so positions are
known), converts it to plain data while recording lines, and raises
:class:`YamlProblem` (message + line) on syntax errors and duplicate keys. The
caller turns a problem into its own error (ScenarioError) with the file name.
Compose's ``!reset`` / ``!override`` tags are understood (``!reset`` -> RESET).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from drills.model.fields import FieldPath

__all__ = ["RESET", "LineMap", "YamlProblem", "parse_yaml", "render_path"]



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


class _Loader(yaml.SafeLoader):
    pass


def _reset(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return RESET


def _override(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("!reset", _reset)
_Loader.add_constructor("!override", _override)


def parse_yaml(text: str) -> tuple[Any, LineMap]:
    """Return (data, lines); raise YamlProblem for bad YAML or duplicate keys."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[FieldPath, int] = {}
        if node is None:
            return None, LineMap(lines)
        _walk(node, (), lines)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        ctx = exc.context_mark if exc.context and exc.problem else None
        if ctx is not None and ctx.line + 1 != line:
            problem = f"{exc.context} (line {ctx.line + 1}): {problem}"
        raise YamlProblem(f"invalid YAML: {problem}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {exc}", None) from exc
    finally:
        loader.dispose()
    return data, LineMap(lines)


def _walk(node: yaml.Node, path: FieldPath, lines: dict[FieldPath, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = str(key_node.value)
            if key == "<<":
                continue
            line = key_node.start_mark.line + 1
            if key in seen:
                raise YamlProblem(
                    f"duplicate key '{key}' (first on line {seen[key]})", line, render_path(path + (key,))
                )
            seen[key] = line
            lines[path + (key,)] = line
            _walk(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), lines)


def render_path(path: FieldPath) -> str:
    """("faults", 2, "at") -> "faults[2].at"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
