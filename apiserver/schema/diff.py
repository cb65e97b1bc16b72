"""What each version of an action adds, removes or changes relative to the previous one."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from apiserver.schema.model import ActionSchema

_COMPARED = ("type", "enum", "default", "format", "minimum", "maximum", "items_type")


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's change between two versions: added, removed, retyped or changed."""

    part: str  # "request" or "response"
    path: str
    kind: str
    before: Any = None
    after: Any = None

    @property
    def breaking(self) -> bool:
        """Removing or retyping a field breaks clients of the previous version."""
        return self.kind in ("removed", "retyped")

    def describe(self) -> str:
        """Render one line such as ``+ request.scroll_id (string)``."""
        marks = {"added": "+", "removed": "-", "retyped": "!", "changed": "~"}
        text = f"{marks[self.kind]} {self.part}.{self.path}"
        if self.kind == "added":
            return f"{text} ({_type_text(self.after)})"
        if self.kind == "removed":
            return f"{text} (was {_type_text(self.before)})  BREAKING: removed"
        if self.kind == "retyped":
            return f"{text}: {_type_text(self.before)} -> {_type_text(self.after)}  " \
                   "BREAKING: retyped"
        changed = sorted(k for k in set(self.before) | set(self.after)
                         if self.before.get(k) != self.after.get(k))
        details = ", ".join(f"{k} {self.before.get(k)!r} -> {self.after.get(k)!r}"
                            for k in changed)
        return f"{text}: {details}"


@dataclass(frozen=True, slots=True)
class VersionDiff:
    """The changes a version makes to the one before it."""

    action: str
    version: str
    previous: str | None
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        """Tell whether any change breaks clients of the previous version."""
        return any(change.breaking for change in self.changes)


def diff_action(action: ActionSchema) -> list[VersionDiff]:
    """Compare each version of an action with the previous one (the first with nothing)."""
    diffs = []
    previous = None
    for version in action.versions:
        changes: list[FieldChange] = []
        if previous is not None:
            for part in ("request", "response"):
                changes += diff_schema(part, getattr(previous, part), getattr(version, part))
        diffs.append(VersionDiff(
            action=action.name,
            version=str(version.version),
            previous=str(previous.version) if previous is not None else None,
            changes=changes,
        ))
        previous = version
    return diffs


def diff_schema(
    part: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[FieldChange]:
    """Compare the fields two schemas declare."""
    old, new = dict(fields(before)), dict(fields(after))
    changes = []
    for path in sorted(set(old) | set(new)):
        if path not in new:
            changes.append(FieldChange(part, path, "removed", old[path], None))
        elif path not in old:
            changes.append(FieldChange(part, path, "added", None, new[path]))
        elif old[path].get("type") != new[path].get("type"):
            changes.append(FieldChange(part, path, "retyped", old[path], new[path]))
        elif old[path] != new[path]:
            changes.append(FieldChange(part, path, "changed", old[path], new[path]))
    return changes


def fields(schema: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (dotted path, facts) for every declared property, ``$ref``s resolved."""
    yield from _walk(schema, schema, "", set())


def _walk(
    root: Mapping[str, Any], node: Any, prefix: str, seen: set[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    node = _resolve(root, node, seen)
    if not isinstance(node, Mapping):
        return
    required = set(node.get("required", []))
    for name, sub in (node.get("properties") or {}).items():
        path = f"{prefix}{name}"
        resolved = _resolve(root, sub, seen)
        facts = _facts(root, resolved, seen) if isinstance(resolved, Mapping) else {}
        if name in required:
            facts["required"] = True
        yield path, facts
        if isinstance(resolved, Mapping):
            yield from _walk(root, resolved, f"{path}.", seen | _refs_of(sub))
            items = _resolve(root, resolved.get("items"), seen)
            if isinstance(items, Mapping) and items.get("properties"):
                yield from _walk(root, items, f"{path}[].", seen | _refs_of(sub))
    for keyword in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(keyword, []) or []:
            yield from _walk(root, branch, prefix, seen)


def _facts(root: Mapping[str, Any], node: Mapping[str, Any], seen: set[str]) -> dict[str, Any]:
    facts = {k: node[k] for k in _COMPARED if k in node}
    items = _resolve(root, node.get("items"), seen)
    if isinstance(items, Mapping) and "type" in items:
        facts["items_type"] = items["type"]
    return facts


def _resolve(root: Mapping[str, Any], node: Any, seen: set[str]) -> Any:
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#/"):
            return {}
        seen = seen | {ref}
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        node = target
    return node


def _refs_of(node: Any) -> set[str]:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    return {ref} if isinstance(ref, str) else set()


def _type_text(facts: Mapping[str, Any] | None) -> str:
    if not facts:
        return "any"
    kind = facts.get("type", "any")
    if kind == "array" and "items_type" in facts:
        return f"array of {facts['items_type']}"
    return str(kind)
