"""A batch of incident records on its way in, and the problems found in it (record, field,
message): any problem blocks storing the batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geogrid.errors import ValidationFailed

MAX_PROBLEMS = 50


@dataclass
class Problem:
    """One thing wrong with one record."""

    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"record {self.record}, field {self.field}: {self.message}"


@dataclass
class IntakeBatch:
    """Normalised records and what was found on the way (errors block storing them)."""

    records: pd.DataFrame
    errors: list[Problem] = field(default_factory=list)
    error_count: int = 0

    def raise_errors(self, *, file: str | None = None) -> None:
        """ValidationFailed listing the first problems, if there are any."""
        if not self.error_count:
            return
        shown = "; ".join(str(p) for p in self.errors[:5])
        more = f" (and {self.error_count - 5} more)" if self.error_count > 5 else ""
        report = {"errors": [vars(p) for p in self.errors], "error_count": self.error_count}
        raise ValidationFailed(
            f"{self.error_count} bad incident record(s), nothing imported: {shown}{more}",
            report=report,
            file=file,
        )

    def add(
        self,
        mask: Any,
        refs: pd.Series,
        field_name: str,
        message: str | pd.Series | Callable[[int], str],
    ) -> None:
        """Record a problem for every row where ``mask`` holds (``message`` may be per row)."""
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        if not count:
            return
        self.error_count += count
        rows = np.flatnonzero(mask)[: max(0, MAX_PROBLEMS - len(self.errors))]
        for i in rows:
            if isinstance(message, str):
                text = message
            elif isinstance(message, pd.Series):
                text = str(message.iloc[i])
            else:
                text = message(int(i))
            self.errors.append(Problem(str(refs.iloc[i]), field_name, text))
