"""Mutations of a shipped stack file, for the config fuzzer (test_config_fuzz.py).

Every mutation is one `Case`: the bytes of a stack file and the `--set` overrides to plan
it with. All choices come from one `random.Random`, so a seed gives the same cases each run.
"""

import copy
import math
import random
from dataclasses import dataclass, field
from typing import Any, Iterator

import yaml

# Values of every YAML type; a wrong type is one of these whose type differs from the value it replaces.
TYPED = ["text", 7, 2.5, True, None, [], {}, ["a", 1], {"colour": "blue"}]
# Every number of the file gets each of the first three and one of the rest.
EDGE_NUMBERS = [math.inf, math.nan, 10**40, 0, -1, 1e-300, -(10**40), 2**63, -math.inf, "3.5", "1e400"]
EDGE_TEXT = ["", " ", "a\nb", "tab\there", "x" * 5000, "é☃", "\x00", "-", "null", "10.0.0.0/8", "${x}", "*"]
UNKNOWN_KEYS = ["colour", "a\nb", "", "Hub", "é", "x.y", "0", "pangeo-hubs:hubs"]
# Inserted into the text at a random place: YAML's own syntax, a tab, an alias and an anchor
# that loop or dangle, a tag the safe loader refuses, and a byte that is not UTF-8.
SNIPPETS = [":", "{", "[", "]", "- ", "? ", "\t", '"', "'", "&a [*a]", "*nowhere", "!!python/object/apply:os.system [x]",
            "%YAML 1.1\n", "---\n", "\n  x", "#", "|", ">", "@", "`", b"\xff"]
# `--set` values as typed on the command line: YAML text, some of it broken or looping.
SET_VALUES = ["&a [*a]", "&a {b: *a}", "[", "{a: 1", ".inf", ".nan", "true", "7", "'x\\ny'", "null", "[]", "{}",
              "1.0e+40", "-1", "''", "\"\\x00\""]
SET_SYNTAX = ["noequals", "=1", "a..b=1", ".=1", "hubs.=x"]


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class Case:
    name: str
    text: bytes
    overrides: list[str] = field(default_factory=list)
    # The key path of a value changed in place (a type, an edge value, a `--set`), rather than a
    # key or the text: what a valid case could carry into the declared resources.
    path: tuple | None = None
    value: Any = None  # the new value at `path`, unless a `--set` gives it


def _overlap(a: tuple, b: tuple) -> bool:
    return a[: len(b)] == b or b[: len(a)] == a


def key_paths(tree: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every key path of the tree, mappings' keys and lists' indexes, parents first."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for key, value in items:
        yield (*path, key)
        yield from key_paths(value, (*path, key))


def _at(tree: Any, path: tuple) -> Any:
    for step in path:
        tree = tree[step]
    return tree


def _same_type(a: Any, b: Any) -> bool:
    return type(a) is type(b) or (isinstance(a, float) and isinstance(b, float))


class Mutator:
    """Cases for one stack file: its text and its parsed document."""

    def __init__(self, text: str, rng: random.Random):
        self.text, self.rng = text, rng
        self.document = yaml.safe_load(text)
        self.paths = list(key_paths(self.document["config"]))

    def _dump(self, config: dict) -> bytes:
        return yaml.dump({"config": config}, Dumper=_DUMPER, allow_unicode=True, sort_keys=False).encode()

    def _changed(self, name: str, path: tuple, change) -> Case:
        config = copy.deepcopy(self.document["config"])
        change(_at(config, path[:-1]), path[-1])
        return Case(f"{name} at {'.'.join(map(str, path))}", self._dump(config))

    def _replaced(self, name: str, path: tuple, value: Any) -> Case:
        case = self._changed(name, path, lambda node, key: node.__setitem__(key, value))
        case.path, case.value = path, value
        return case

    def together(self, value_cases: list[Case]) -> list[tuple[list[Case], Case]]:
        """Cases that make the changes of `value_cases` several at once, so that changes valid
        one by one are declared in a few plans rather than one each; no case holds two changes
        of which one's key path holds the other's. Each with the cases it joins."""
        groups: list[list[Case]] = []
        for case in value_cases:
            group = next((g for g in groups if not any(_overlap(case.path, other.path) for other in g)), None)
            if group is None:
                groups.append(group := [])
            group.append(case)
        combined = []
        for group in groups:
            config = copy.deepcopy(self.document["config"])
            for case in group:
                if not case.overrides:
                    _at(config, case.path[:-1])[case.path[-1]] = case.value
            combined.append((group, Case(f"together: {'; '.join(case.name for case in group)}", self._dump(config),
                                         [o for case in group for o in case.overrides])))
        return combined

    def wrong_types(self) -> Iterator[Case]:
        """Every key path once, its value replaced by one of another type."""
        for path in self.paths:
            old = _at(self.document["config"], path)
            new = self.rng.choice([v for v in TYPED if not _same_type(v, old)])
            yield self._replaced(f"type {new!r}", path, new)

    def deleted(self, n: int) -> Iterator[Case]:
        for path in self.rng.sample(self.paths, n):
            yield self._changed("deleted", path, lambda node, key: node.__delitem__(key))

    def unknown_keys(self, n: int) -> Iterator[Case]:
        mappings = [()] + [p for p in self.paths if isinstance(_at(self.document["config"], p), dict)]
        for _ in range(n):
            path, key = self.rng.choice(mappings), self.rng.choice(UNKNOWN_KEYS)
            if not path:  # a top-level key beside pangeo-hubs:cloud and the rest
                key = f"pangeo-hubs:{key}"
            yield self._changed(f"unknown key {key!r}", (*path, key), lambda node, k: node.__setitem__(k, "x"))

    def edge_values(self, n: int) -> Iterator[Case]:
        """Edge values at every number of the file, and at `n` of its texts."""
        config = self.document["config"]
        leaves = [p for p in self.paths if not isinstance(_at(config, p), (dict, list, bool))]
        for path in leaves:
            if isinstance(_at(config, path), (int, float)):
                for value in [*EDGE_NUMBERS[:3], self.rng.choice(EDGE_NUMBERS[3:])]:
                    yield self._replaced(f"edge {value!r}", path, value)
        texts = [p for p in leaves if isinstance(_at(config, p), str)]
        for path in self.rng.sample(texts, n):
            value = self.rng.choice(EDGE_TEXT)
            yield self._replaced(f"edge {value!r:.20}", path, value)

    def malformed(self, n: int) -> Iterator[Case]:
        """Text edits: a snippet inserted, a line deleted, repeated or re-indented, the file cut short."""
        lines = self.text.splitlines(keepends=True)
        for _ in range(n):
            kind = self.rng.choice(["insert", "insert", "delete", "repeat", "indent", "cut"])
            i = self.rng.randrange(len(lines))
            edited = list(lines)
            if kind == "insert":
                snippet = self.rng.choice(SNIPPETS)
                at = self.rng.randrange(len(self.text))
                raw = self.text.encode()
                text = raw[:at] + (snippet if isinstance(snippet, bytes) else snippet.encode()) + raw[at:]
                yield Case(f"insert {snippet!r} at {at}", text)
                continue
            if kind == "delete":
                del edited[i]
            elif kind == "repeat":
                edited.insert(i, edited[i])
            elif kind == "indent":
                edited[i] = self.rng.choice([" ", "   ", ""]) + edited[i].lstrip(" " * self.rng.randint(0, 2))
            else:
                edited = edited[:i] + [edited[i][: self.rng.randrange(len(edited[i]) + 1)]]
            yield Case(f"{kind} line {i + 1}", "".join(edited).encode())

    def overrides(self, n: int) -> Iterator[Case]:
        """`--set` on the unchanged file: a key path (or broken syntax) and a value as typed."""
        keyed = [p for p in self.paths if all(isinstance(step, str) for step in p)]
        for _ in range(n):
            if self.rng.random() < 0.15:
                assignment = self.rng.choice(SET_SYNTAX)
            else:
                top, *rest = self.rng.choice(keyed)
                dotted = ".".join([top.partition(":")[2] or top, *rest])
                assignment = f"{dotted}={self.rng.choice(SET_VALUES)}"
            path = (f"pangeo-hubs:{assignment.partition('=')[0]}".split("."))
            yield Case(f"--set {assignment!r}", self.text.encode(), [assignment], path=tuple(path))


def cases(text: str, seed: int) -> tuple[Mutator, list[Case]]:
    """The fuzzer's cases for one stack file, the same for the same text and seed."""
    mutator = Mutator(text, random.Random(seed))
    return mutator, [*mutator.wrong_types(), *mutator.deleted(25), *mutator.unknown_keys(15), *mutator.edge_values(25),
            *mutator.malformed(30), *mutator.overrides(20)]
