"""Load YAML/JSON import files and validate them against a JSON Schema in ``schemas/``.

Errors point at the offending place twice over: the JSON path (``buildings[2].floors[0].level``)
and the line and column in the file, because the person fixing it has the file open in an editor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from . import jsontext
from .config import REPO_ROOT
from .errors import InvalidInput


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}" if self.line else "file"
        return f"{where} ({self.path or '<root>'}): {self.message}"


def schema_path(name: str) -> Path:
    """Public contracts live in the repository's ``schemas/`` (the service runs from a checkout)."""
    return REPO_ROOT / "schemas" / name


def load_schema(name: str) -> dict[str, Any]:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


def _format_path(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _yaml_marks(text: str) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Map each JSON path in a YAML document to its (line, column), 1-based."""
    marks: dict[tuple[Any, ...], tuple[int, int]] = {}

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                walk(value_node, (*path, key_node.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return marks
    if root is not None:
        walk(root, ())
    return marks


def parse_document(text: str, filename: str) -> Any:
    try:
        if filename.endswith(".json"):
            return jsontext.loads(text)
        data = yaml.safe_load(text)
        # Validation walks the document recursively: refuse what nests too deep to walk.
        if jsontext.depth_exceeds(data, jsontext.MAX_DEPTH):
            raise yaml.YAMLError(f"nested deeper than {jsontext.MAX_DEPTH} levels")
        return data
    except RecursionError:
        raise InvalidInput(
            f"{filename}: nested too deeply",
            message_zh=f"{filename}：嵌套层级过深。",
            details={"problems": [{"path": "", "message": "nested too deeply"}]},
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{filename}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            message_zh=f"{filename}：第 {exc.lineno} 行第 {exc.colno} 列不是有效的 JSON：{exc.msg}",
            details={
                "problems": [
                    {"path": "", "line": exc.lineno, "column": exc.colno, "message": exc.msg}
                ]
            },
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise InvalidInput(
            f"{filename}: not valid YAML at line {line}, column {col}",
            message_zh=f"{filename}：第 {line} 行第 {col} 列不是有效的 YAML。",
            details={"problems": [{"path": "", "line": line, "column": col, "message": str(exc)}]},
        ) from None


def validate_document(text: str, filename: str, schema_name: str) -> Any:
    """Parse ``text`` and validate it; raises InvalidInput listing every problem with its place."""
    data = parse_document(text, filename)
    validator = jsonschema.Draft202012Validator(
        load_schema(schema_name), format_checker=jsonschema.FormatChecker()
    )
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return data
    marks = {} if filename.endswith(".json") else _yaml_marks(text)
    problems = []
    for error in errors:
        path = tuple(error.absolute_path)
        line_col = marks.get(path)
        # For a missing key the error sits on the parent object: point at the parent.
        while line_col is None and path:
            path = path[:-1]
            line_col = marks.get(path)
        problems.append(
            Problem(
                path=_format_path(list(error.absolute_path)),
                line=line_col[0] if line_col else None,
                column=line_col[1] if line_col else None,
                message=error.message,
            )
        )
    raise InvalidInput(
        f"{filename} does not match {schema_name}:\n" + "\n".join(f"  {p}" for p in problems),
        message_zh=f"{filename} 不符合格式要求，共 {len(problems)} 处问题。",
        code="schema_mismatch",
        details={"problems": [p.__dict__ for p in problems]},
    )
