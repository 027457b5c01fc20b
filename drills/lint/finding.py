"""One finding of the dualization lint: a rule broken, for one capability, with its dependency path.

Every rule module (:mod:`drills.lint.rules`, :mod:`drills.lint.activation`) yields these; the
checks package turns them into the run's ``dualization`` verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Finding"]


@dataclass(frozen=True)
class Finding:
    capability: str  # or "*": the system
    rule: str
    message: str
    path: str = ""
    component: str = ""

    @property
    def text(self) -> str:
        return f"{self.message} (path: {self.path})" if self.path else self.message
