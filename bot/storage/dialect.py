"""Where SQLite's SQL and PostgreSQL's disagree: the spelling of a few constructs.

The query modules write their SQL once and ask the database's `dialect` for the pieces
the two engines spell differently. Everything else — `?` placeholders (converted for
asyncpg by the PostgreSQL engine), `ON CONFLICT … DO NOTHING / DO UPDATE`, `RETURNING`,
`UPDATE … FROM`, `count(*) FILTER (WHERE …)`, `coalesce` — is common to both.

Bulk rows travel as one JSON array parameter on both engines (one statement per batch
instead of one executemany step per row): SQLite reads it with json_each/json_extract,
PostgreSQL with json_array_elements and typed `->>` extraction (asyncpg binds exact
types, and SQLite's loose typing would otherwise hide a text/number mix-up).
"""

from __future__ import annotations

from dataclasses import dataclass

# Column types a JSON row's item may be read as (the PostgreSQL cast).
_PG_TYPES = {"int": "bigint", "text": "text"}


@dataclass(frozen=True)
class Dialect:
    """One engine's spelling; `SQLITE` and `POSTGRES` below are the only instances."""

    name: str

    @property
    def postgres(self) -> bool:
        return self.name == "postgres"

    def json_rows(self, param: str, **columns: str) -> str:
        """A subquery of one row per item of the JSON array of arrays in `param` (e.g.
        "?1"), with the named columns read from positions 0, 1, … as the given types
        ("int" or "text"): `json_rows("?1", chat="int", tip="text")`."""
        if self.postgres:
            items = ", ".join(f"(value->>{i})::{_PG_TYPES[kind]} AS {name}"
                              for i, (name, kind) in enumerate(columns.items()))
            return f"(SELECT {items} FROM json_array_elements({param}::json))"
        items = ", ".join(f"json_extract(value, '$[{i}]') AS {name}"
                          for i, name in enumerate(columns))
        return f"(SELECT {items} FROM json_each({param}))"

    def json_values(self, param: str, kind: str = "int") -> str:
        """A subquery of the values in the JSON array `param` (for `IN (…)`), read as
        `kind` ("int" or "text")."""
        if self.postgres:
            return f"SELECT json_array_elements_text({param}::json)::{_PG_TYPES[kind]}"
        return f"SELECT value FROM json_each({param})"

    def group_concat(self, expression: str) -> str:
        """The comma-separated text of `expression` over a group (NULL for none)."""
        if self.postgres:
            return f"string_agg({expression}::text, ',')"
        return f"group_concat({expression})"

    def greatest(self, first: str, second: str) -> str:
        """The larger of two values."""
        return f"greatest({first}, {second})" if self.postgres else f"max({first}, {second})"

    def least(self, first: str, second: str) -> str:
        """The smaller of two values."""
        return f"least({first}, {second})" if self.postgres else f"min({first}, {second})"

    def contains(self, haystack: str, needle: str) -> str:
        """True when text `needle` occurs in text `haystack`."""
        if self.postgres:
            return f"strpos({haystack}, {needle}) > 0"
        return f"instr({haystack}, {needle}) > 0"

    def indexed_by(self, index: str) -> str:
        """SQLite's index hint (its planner needs it on the hot paths); PostgreSQL's
        planner chooses by statistics and has no such clause."""
        return "" if self.postgres else f"INDEXED BY {index}"


SQLITE = Dialect("sqlite")
POSTGRES = Dialect("postgres")
