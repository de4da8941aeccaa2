"""The problems a spreadsheet import reports: one per row and column (RowError), or the file as a
whole (FileProblem). ocop.registry.imports.messages turns `code` into a translated sentence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RowError:
    """One problem: where it is (row, column as written in the file), the value found, and why."""

    row: int | None
    column: str
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "params": self.params,
        }


class FileProblem(ValueError):
    """The file as a whole cannot be read as a table (wrong type, empty, damaged…)."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params

    def as_error(self) -> RowError:
        return RowError(None, "", "", self.code, self.params)
