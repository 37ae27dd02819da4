"""CDS Hooks feedback (accepted / overridden, with reason) kept in an embedded SQLite database.

Only what the feedback message carries is stored: service id, card uuid, outcome, override
reason and timestamps; no patient data reaches this store.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass

__all__ = ["FeedbackRecord", "FeedbackStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    service TEXT NOT NULL,
    card TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
    reason_code TEXT,
    reason_display TEXT,
    user_comment TEXT,
    outcome_timestamp TEXT NOT NULL,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)
"""


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """One feedback item."""

    service: str
    card: str
    outcome: str
    outcome_timestamp: str
    reason_code: str | None = None
    reason_display: str | None = None
    user_comment: str | None = None


class FeedbackStore:
    """A small thread-safe SQLite store."""

    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._lock:
            self._db.execute(_SCHEMA)
            self._db.commit()

    def add(self, records: list[FeedbackRecord]) -> None:
        """Store feedback items."""
        with self._lock:
            self._db.executemany(
                "INSERT INTO feedback (service, card, outcome, reason_code, reason_display,"
                " user_comment, outcome_timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.service,
                        r.card,
                        r.outcome,
                        r.reason_code,
                        r.reason_display,
                        r.user_comment,
                        r.outcome_timestamp,
                    )
                    for r in records
                ],
            )
            self._db.commit()

    def all(self) -> list[FeedbackRecord]:
        """Every stored item, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT service, card, outcome, outcome_timestamp, reason_code, reason_display,"
                " user_comment FROM feedback ORDER BY id"
            ).fetchall()
        return [FeedbackRecord(*row) for row in rows]

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
