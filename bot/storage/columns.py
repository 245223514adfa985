"""Which column stores which field: the SELECT list a model is read from is its fields.

A column list written out by hand drifts from its model without a sound: a field added with
a default and forgotten in the list reads as that default for every row (a subscriber's new
setting would seem never set). So each model read from one table has a `RowShape` made from
its fields, in field order: the SELECT list is derived from it, and a row is decoded by
field name. A field added to the model is selected at once, and a column it does not have
fails the first query instead of defaulting. Fields the table does not hold (computed, or
read from another table) are named as such, and tests/test_columns.py checks every shape
against the migrated schema in both directions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def field_names(model: type) -> tuple[str, ...]:
    """A dataclass's or NamedTuple's fields, in declaration order."""
    if dataclasses.is_dataclass(model):
        return tuple(f.name for f in dataclasses.fields(model))
    return tuple(model._fields)  # type: ignore[attr-defined]


class RowShape(Generic[T]):
    """How one model is stored in one table: a column per field, in field order."""

    def __init__(self, model: type[T], *, decode: Mapping[str, Callable[[Any], Any]] = {},
                 stored_as: Mapping[str, str] = {}, not_stored: Sequence[str] = ()) -> None:
        fields = field_names(model)
        unknown = sorted((set(decode) | set(stored_as) | set(not_stored)) - set(fields))
        if unknown:  # a renamed or removed field: its decoder would silently go unused
            raise ValueError(f"{model.__name__} has no field {', '.join(unknown)}")
        self.model = model
        self.fields = tuple(name for name in fields if name not in not_stored)
        self.not_stored = tuple(not_stored)
        self.columns = tuple(stored_as.get(name, name) for name in self.fields)
        self.decoders = tuple(decode.get(name) for name in self.fields)

    def select(self, alias: str = "") -> str:
        """The SELECT list, e.g. "chat_id, status" or, with an alias, "s.chat_id, s.status"."""
        prefix = f"{alias}." if alias else ""
        return ", ".join(prefix + column for column in self.columns)

    def index(self, field: str) -> int:
        """Where a field's column is in a row selected with `select()`."""
        return self.fields.index(field)

    def values(self, row: Sequence[Any]) -> dict[str, Any]:
        """A row selected with `select()` as decoded field values by name."""
        if len(row) != len(self.fields):
            raise ValueError(f"a {self.model.__name__} row has {len(row)} columns, "
                             f"its shape {len(self.fields)}")
        return {name: value if decode is None else decode(value)
                for name, decode, value in zip(self.fields, self.decoders, row, strict=True)}

    def decode(self, row: Sequence[Any], **not_stored: Any) -> T:
        """A row selected with `select()` → the model (fields the table does not hold
        given by the caller, or left to their defaults when it has none to give)."""
        return self.model(**self.values(row), **not_stored)
