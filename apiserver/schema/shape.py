"""Shapes: what a schema declares, precomputed for defaults, pruning and query coercion.

A :class:`Shape` is derived once per schema at start-up. Per request it answers three
questions without walking the JSON Schema again: which keys an object declares, which
defaults to fill in, and which JSON types a query-string value should be converted to.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from apiserver.errors import APIError

JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")


class Shape:
    """The declared structure of one schema node.

    ``properties`` is None when the node declares no properties (any key is kept);
    ``extra`` is the shape of keys beyond ``properties`` (from ``additionalProperties``), and
    ``open`` tells whether such keys are kept at all.
    """

    __slots__ = ("defaults", "extra", "integral", "items", "open", "properties", "trivial",
                 "types")

    def __init__(self) -> None:
        self.types: frozenset[str] = frozenset()
        self.integral = False
        self.properties: dict[str, Shape] | None = None
        self.defaults: dict[str, Any] = {}
        self.extra: Shape | None = None
        self.open = True
        self.items: Shape | None = None
        self.trivial = True

    def apply(self, value: Any, path: str, undeclared: list[str]) -> Any:
        """Fill defaults and drop undeclared keys in place; record dropped paths."""
        if self.trivial:
            return value
        if isinstance(value, dict):
            if self.properties is not None:
                for key in list(value):
                    child = self.properties.get(key)
                    if child is None:
                        child = self.extra
                        if child is None:
                            if not self.open:
                                undeclared.append(f"{path}{key}")
                                del value[key]
                            continue
                    if child.integral:
                        value[key] = _integer(value[key], f"{path}{key}")
                    elif not child.trivial:
                        child.apply(value[key], f"{path}{key}.", undeclared)
            elif self.extra is not None and not self.extra.trivial:
                for key, item in value.items():
                    self.extra.apply(item, f"{path}{key}.", undeclared)
            for key, default in self.defaults.items():
                if key not in value:
                    value[key] = copy.deepcopy(default)
        elif isinstance(value, list) and self.items is not None and not self.items.trivial:
            for index, item in enumerate(value):
                where = f"{path.rstrip('.')}[{index}]"
                if self.items.integral:
                    value[index] = _integer(item, where)
                else:
                    self.items.apply(item, f"{where}.", undeclared)
        return value

    def child(self, key: str) -> Shape | None:
        """Return the declared shape of a key of this object, if any."""
        if self.properties is not None and key in self.properties:
            return self.properties[key]
        return self.extra


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _integer(value: Any, path: str) -> Any:
    """Give a field declared ``integer`` an int: ``3.0`` becomes ``3``; refuse what no store holds.

    NOTE: JSON Schema counts 3.0 as an integer, but drivers do not take floats for counts and
    offsets, and no store keeps integers beyond 64 bits.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and \
            not INT64_MIN <= value <= INT64_MAX:
        raise APIError("validation_error", f"field {path!r}: {value} is out of the 64-bit range")
    return value


class ShapeBuilder:
    """Build shapes for the schemas of one document, resolving local ``$ref`` pointers."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self._root = root
        self._by_ref: dict[str, Shape] = {}

    def build(self, schema: Any) -> Shape:
        """Return the shape of a schema node."""
        shape = Shape()
        self._fill(shape, schema, set())
        self._settle(shape, set())
        return shape

    def _fill(self, shape: Shape, schema: Any, seen: set[int]) -> None:
        if not isinstance(schema, Mapping) or id(schema) in seen:
            return
        seen = seen | {id(schema)}
        ref = schema.get("$ref")
        if isinstance(ref, str):
            self._fill(shape, self._lookup(ref), seen)
        types = schema.get("type")
        if isinstance(types, str):
            types = [types]
        if isinstance(types, list):
            shape.types = shape.types | {t for t in types if t in JSON_TYPES}
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        if isinstance(properties, Mapping):
            if shape.properties is None:
                shape.properties = {}
                shape.open = False
            for key, sub in properties.items():
                child = shape.properties.setdefault(key, Shape())
                self._fill(child, sub, seen)
                if isinstance(sub, Mapping) and "default" in sub:
                    shape.defaults[key] = sub["default"]
        if additional is True or additional == {}:
            shape.open = True
        elif isinstance(additional, Mapping):
            shape.open = True
            shape.extra = shape.extra or Shape()
            self._fill(shape.extra, additional, seen)
        items = schema.get("items")
        if isinstance(items, Mapping):
            shape.items = shape.items or Shape()
            self._fill(shape.items, items, seen)
        for keyword in ("allOf", "anyOf", "oneOf"):
            branches = schema.get(keyword)
            if isinstance(branches, list):
                for branch in branches:
                    self._fill(shape, branch, seen)

    def _lookup(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            return {}
        node: Any = self._root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                return {}
            node = node[part]
        return node

    def _settle(self, shape: Shape, seen: set[int]) -> bool:
        """Compute ``trivial`` bottom-up: True when applying the shape changes nothing."""
        if id(shape) in seen:
            return shape.trivial
        seen.add(id(shape))
        shape.integral = "integer" in shape.types and "number" not in shape.types
        trivial = not shape.integral and not shape.defaults and (
            shape.properties is None or shape.open)
        children = list((shape.properties or {}).values())
        children += [s for s in (shape.extra, shape.items) if s is not None]
        for child in children:
            if not self._settle(child, seen):
                trivial = False
        shape.trivial = trivial
        return trivial
