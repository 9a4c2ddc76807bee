"""The one way from a YAML constraint name to its definition.

An explicit dict, filled from an explicit list: no ``getattr`` on modules, so YAML can reach
nothing but registered constraint types. Registering a name twice is a programming error and
raises; an unknown name lists the valid ones.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Iterator

from dqengine.checks.base import ConstraintDef
from dqengine.results import Dimension

__all__ = ["ConstraintRegistry", "DuplicateConstraintError", "default_registry"]


class DuplicateConstraintError(ValueError):
    pass


class ConstraintRegistry:
    def __init__(self, definitions: Iterable[ConstraintDef] = ()):
        self._defs: dict[str, ConstraintDef] = {}
        for definition in definitions:
            self.register(definition)

    def register(self, definition: ConstraintDef) -> None:
        if definition.name in self._defs:
            raise DuplicateConstraintError(f"constraint type {definition.name!r} is already registered")
        dimension = getattr(definition, "dimension", None)
        if dimension not in set(Dimension):  # a str-valued enum: "validity" is Dimension.VALIDITY
            raise ValueError(f"constraint type {definition.name!r} has no valid default dimension "
                             f"({dimension!r}); set its class attribute dimension to one of "
                             f"{', '.join(d.value for d in Dimension)}")
        self._defs[definition.name] = definition

    def get(self, name: str) -> ConstraintDef | None:
        return self._defs.get(name)

    def names(self) -> list[str]:
        return sorted(self._defs)

    def __contains__(self, name: object) -> bool:
        return name in self._defs

    def __iter__(self) -> Iterator[ConstraintDef]:
        return iter(self._defs.values())

    def __len__(self) -> int:
        return len(self._defs)


@lru_cache(maxsize=1)
def default_registry() -> ConstraintRegistry:
    """The built-in constraint types (built on first use, not at import)."""
    from dqengine.checks.builtin import BUILTIN_CONSTRAINTS

    return ConstraintRegistry(BUILTIN_CONSTRAINTS)
