"""YAML text -> plain Python data plus the line:col of every node.

The document is composed with PyYAML's safe loader (a node tree; nothing is constructed), then
walked once: every scalar is built by ``SafeConstructor`` (so values are exactly what
``yaml.safe_load`` gives), and the walk remembers where each value and each mapping key stands.
It also reports what ``safe_load`` gets wrong or fails on without a place: duplicate keys (it
silently keeps the last one), tags (only plain YAML is accepted: no Python object, no ``!!set``),
scalars that look typed but are not (``2024-13-45``), keys that are lists, merge keys, and
anchor/alias bombs.

Every problem becomes a one-line ``ConfigIssue`` that names the place and the fix, and nothing
stops the walk but a syntax error: the rest of the document is still validated. Nothing here
raises for bad input. A document without problems is then loaded with ``yaml.safe_load``: the
data the engine runs on never comes from anything else.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from dqengine.errors import ConfigIssue

__all__ = ["Path", "SourceMap", "parse_yaml", "shown", "one_line", "MAX_NODES"]

#: A path into a YAML document: mapping keys (str) and sequence indexes (int).
Path = tuple[Any, ...]

#: Values in a document once anchors and aliases are expanded. A suite has hundreds at most; the
#: cap stops "billion laughs" documents before the walk (and pydantic) expand them.
MAX_NODES = 100_000

_STD = "tag:yaml.org,2002:"
_KINDS = {_STD + "int": "whole number", _STD + "float": "number", _STD + "bool": "boolean",
          _STD + "timestamp": "date", _STD + "binary": "base64 binary value"}


@dataclass(frozen=True)
class SourceMap:
    """Where each node of one YAML document stands in its file (1-based line and column)."""

    file: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    #: Paths of scalars written in quotes ('0.9', "5"): a quoted number is text, and the error
    #: message can then say to remove the quotes.
    quoted: set[Path] = field(default_factory=set)
    #: Paths of values already reported here (a tag, an unreadable date): the models skip them.
    broken: set[Path] = field(default_factory=set)

    def locate(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Position of ``path``, or of its nearest ancestor that exists in the document.

        ``key=True`` prefers the position of the mapping key over its value: an unknown key is
        best reported where the key is written.
        """
        path = tuple(path)
        while True:
            if key and path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            if not path:
                return (1, 1)
            path = path[:-1]

    def issue(self, path: Path, message: str, *, key: bool = False) -> ConfigIssue:
        line, col = self.locate(path, key=key)
        return ConfigIssue(self.file, line, col, message)


def shown(name: Any) -> str:
    """A key or name quoted for a message: ``'name'``, or its escaped repr when it holds a quote, a
    line break or another invisible character, so that every issue stays on one line."""
    text = str(name)
    return f"'{text}'" if text.isprintable() and "'" not in text else repr(text)


_BREAKS = dict.fromkeys(map(ord, "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"))


def one_line(message: str) -> str:
    """``message`` with any line break escaped (``\\n``): an issue is exactly one line of output."""
    if not any(ord(c) in _BREAKS for c in message):
        return message
    return "".join(c.encode("unicode_escape").decode("ascii") if ord(c) in _BREAKS else c for c in message)


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _tag_text(tag: str) -> str:
    return "!!" + tag[len(_STD):] if tag.startswith(_STD) else tag


class _Walker:
    """One pass over the composed node tree: the values, their positions, and every problem.

    Values are built here from the nodes, scalars by PyYAML's ``SafeConstructor`` (exactly what
    ``safe_load`` gives them), so one problem never hides the next: a tag, a bad date or a
    duplicate key is reported and the rest of the document is still validated.
    """

    def __init__(self, smap: SourceMap, issues: list[ConfigIssue]):
        self.smap = smap
        self.issues = issues
        self.constructor = yaml.constructor.SafeConstructor()
        self.count = 0
        self.too_big = False
        self.path: Path = ()

    def add(self, where: tuple[int, int], message: str) -> None:
        self.issues.append(ConfigIssue(self.smap.file, *where, message))

    def broken(self, node: yaml.Node, message: str) -> None:
        """A value the walk could not build as written: reported once, here, not again by the models."""
        self.add(_pos(node.start_mark), message)
        self.smap.broken.add(self.path)

    def untagged(self, node: yaml.Node, what: str) -> None:
        self.broken(node, f"tag '{_tag_text(node.tag)}' is not allowed: only plain YAML is accepted "
                          f"(no tags); remove the tag and write the {what} itself")

    def scalar(self, node: yaml.ScalarNode) -> Any:
        """The value ``safe_load`` gives a scalar; its plain text (and an issue) when it has none."""
        if node.tag not in yaml.constructor.SafeConstructor.yaml_constructors:
            self.untagged(node, "value")
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception as exc:  # noqa: BLE001 - a date like 2024-13-45, '!!int abc', bad base64
            if isinstance(exc, yaml.MarkedYAMLError):
                reason = f" ({exc.problem})" if exc.problem else ""
            elif isinstance(exc, ValueError) and "literal" not in str(exc):
                reason = f" ({exc})"
            else:
                reason = ""
            kind = _KINDS.get(node.tag, _tag_text(node.tag))
            self.broken(node, f"{node.value!r} cannot be read as a {kind}{reason}; fix the value, or "
                              "put it in quotes if it is text")
            return node.value

    def walk(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            self.too_big = True
            return None
        self.smap.values[path] = _pos(node.start_mark)
        self.path = path
        if isinstance(node, yaml.ScalarNode):
            if node.style in ("'", '"'):
                self.smap.quoted.add(path)
            return self.scalar(node)
        if node.tag not in (_STD + "map", _STD + "seq"):  # !!set, !!omap, !!python/..., !custom
            self.untagged(node, "mapping" if isinstance(node, yaml.MappingNode) else "list")
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, path + (index,)) for index, item in enumerate(node.value)]
        out: dict[Any, Any] = {}
        seen: dict[Any, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            where = _pos(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
                self.add(where, f"a key must be a plain word such as 'suite' or 'column', not {kind}; "
                                "check the indentation and brackets here")
                continue
            if key_node.tag == _STD + "merge":
                self.add(where, "merge keys ('<<') are not supported; write the keys out in full")
                continue
            self.path = path + (key_node.value,)
            key = self.scalar(key_node)
            try:
                first = seen.get(key)
            except TypeError:  # defensive: scalars build hashable values; keep the text if one did not
                key = key_node.value
                first = seen.get(key)
            if first is not None:
                self.add(where, f"duplicate key {shown(key)} (first at line {first[0]}, column {first[1]}); "
                                "remove one of them")
                continue
            seen[key] = where
            self.smap.keys[path + (key,)] = where
            out[key] = self.walk(value_node, path + (key,))
        return out


def _unclosed_bracket(source: str) -> yaml.Token | None:
    """The innermost '[' or '{' still open where the scanner stops (at the end of the file)."""
    stack: list[yaml.Token] = []
    try:
        for token in yaml.scan(source, Loader=yaml.SafeLoader):
            if isinstance(token, (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)):
                stack.append(token)
            elif isinstance(token, (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)) and stack:
                stack.pop()
    except yaml.YAMLError:
        pass
    return stack[-1] if stack else None


def _syntax_issue(exc: yaml.MarkedYAMLError, file: str, source: str) -> ConfigIssue:
    """A PyYAML parse error as one line: the friendliest place and wording we can give."""
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    context = (exc.context or "").strip()
    mark = exc.problem_mark or exc.context_mark
    text = None
    if "end of stream" in problem or "<stream end>" in problem:
        # An unclosed quote or bracket: point at where it opens, not at the end of the file.
        opener = {"while scanning a quoted scalar": ("quoted string", "the closing quote"),
                  "while scanning a double-quoted scalar": ("quoted string", 'the closing "'),
                  "while scanning a single-quoted scalar": ("quoted string", "the closing '"),
                  "while parsing a flow sequence": ("'['", "the matching ']'"),
                  "while parsing a flow mapping": ("'{'", "the matching '}'")}.get(context)
        if opener and exc.context_mark is not None:
            mark = exc.context_mark
            text = f"this {opener[0]} is never closed; add {opener[1]}"
        elif (unclosed := _unclosed_bracket(source)) is not None:
            mark = unclosed.start_mark
            closer = "]" if isinstance(unclosed, yaml.FlowSequenceStartToken) else "}"
            text = f"this '{'[' if closer == ']' else '{'}' is never closed; add the matching '{closer}'"
    elif context in ("while parsing a flow sequence", "while parsing a flow mapping") \
            and problem.startswith("expected ',' or") and exc.context_mark and exc.problem_mark:
        opener, closer = ("[", "]") if "sequence" in context else ("{", "}")
        line, col = _pos(exc.problem_mark)
        mark = exc.context_mark
        text = (f"this '{opener}' is not closed: a ',' or '{closer}' was expected at line {line}, "
                f"column {col}; add the matching '{closer}' (or the missing comma)")
    elif "'\\t'" in problem:
        text = "a tab character; YAML indents with spaces only: replace the tab with spaces"
    elif "cannot start any token" in problem:
        char = problem.split("'")[1] if problem.count("'") >= 2 else "?"
        text = f"a plain value cannot start with '{char}'; put the value in quotes"
    elif problem == "mapping values are not allowed here":
        text = ("unexpected ':' here; check the indentation of this line, or put a value that "
                "contains ': ' in quotes")
    elif problem == "could not find expected ':'":
        mark = exc.context_mark or mark
        text = "expected 'key: value' on this line; add the ':' or fix the indentation"
    elif problem.startswith("expected <block end>"):
        text = ("this does not fit the structure above it: indent the line like the keys it belongs "
                "with, or put a value that contains quotes or brackets in quotes")
    elif problem == "but found another document":
        text = "a suite file holds one YAML document; remove this '---' and what follows, or split the file"
    elif problem.startswith("found undefined alias"):
        text = f"{problem.removeprefix('found ')}; define the anchor (&name) before using *name"
    if text is None:
        suffix = f" ({context})" if context and exc.problem else ""
        text = f"{problem}{suffix}; check indentation, quotes and colons around this place"
    line, col = _pos(mark) if mark is not None else (1, 1)
    return ConfigIssue(file, line, col, "YAML syntax error: " + " ".join(text.split()))


def _reader_issue(exc: yaml.reader.ReaderError, text: str, file: str) -> ConfigIssue:
    before = text[: max(exc.position, 0)]
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return ConfigIssue(file, line, col, f"character U+{ord(char):04X} is not allowed in a YAML file; "
                                        "remove it (write control characters as escapes in double quotes)")


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap, list[ConfigIssue]]:
    """Parse one YAML document. Returns (data, positions, issues).

    ``data`` is None for an empty document and when the text is not YAML at all (a syntax error,
    a forbidden character, a document nested or expanded beyond reason). Other problems (tags,
    duplicate keys, unreadable scalars) come with data in which the offending value is left as
    its plain text, so that the models still report everything else. Never raises for bad text.
    """
    smap = SourceMap(file)
    issues: list[ConfigIssue] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as exc:
        return None, smap, [_reader_issue(exc, text, file)]
    except yaml.MarkedYAMLError as exc:
        return None, smap, [_syntax_issue(exc, file, text)]
    except yaml.YAMLError as exc:  # errors without a mark
        return None, smap, [ConfigIssue(file, 1, 1, "YAML error: " + " ".join(str(exc).split()))]
    except RecursionError:
        return None, smap, [ConfigIssue(file, 1, 1, "the document nests too deeply to be a suite; "
                                                    "flatten it")]
    if root is None:
        return None, smap, issues
    walker = _Walker(smap, issues)
    try:
        data = walker.walk(root, ())
    except RecursionError:
        return None, smap, issues + [ConfigIssue(file, 1, 1, "the document nests too deeply to be a suite; "
                                                             "flatten it")]
    if walker.too_big:
        issues.append(ConfigIssue(file, 1, 1, f"the document expands to more than {MAX_NODES} values "
                                              "(anchors and aliases included); a suite needs far fewer: "
                                              "write it out plainly"))
        return None, smap, issues
    if not issues:
        # What the engine runs on comes from safe_load itself; the walk's values (equal to it for
        # plain YAML, a property test holds them to that) serve only to report every problem.
        data = yaml.safe_load(text)
    return data, smap, issues
