"""What one triage pass did, as counts: the summary line ``mhhs-bot triage --once`` prints."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TriageSummary:
    fetched: int = 0
    new_cases: int = 0
    updates: int = 0
    flagged: int = 0
    quarantined: int = 0
    failed: int = 0
    duplicates: int = 0
    moved: int = 0
    posts: int = 0
    replies: int = 0
    refs: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"fetched {self.fetched}, new cases {self.new_cases}, updates {self.updates}, flagged {self.flagged}, "
            f"quarantined {self.quarantined}, failed {self.failed}, duplicates {self.duplicates}"
        )

    def add(self, other: TriageSummary) -> None:
        for name in ("fetched", "new_cases", "updates", "flagged", "quarantined", "failed", "duplicates"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.moved += other.moved
        self.posts += other.posts
        self.replies += other.replies
        self.refs += other.refs
