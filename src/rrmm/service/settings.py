"""Service settings, and the safety rule that only a loopback service may run without auth."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date

__all__ = ["ServiceSettings"]


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """How ``rrmm serve`` runs.

    ``token`` enables bearer-token auth; ``jwt_key`` (an HS256 secret or a PEM public key)
    enables CDS Hooks JWT verification. A service bound to anything but loopback must have
    one of them.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    jwt_key: str | None = None
    jwt_audience: str | None = None
    max_body_bytes: int = 2 * 1024 * 1024
    feedback_db: str = "rrmm-feedback.sqlite3"
    regulator: str = "FDA"
    as_of: date | None = None
    trials: str | None = None

    @property
    def loopback(self) -> bool:
        """Whether the service listens on loopback only."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def auth_enabled(self) -> bool:
        """Whether requests must carry a token or a JWT."""
        return self.token is not None or self.jwt_key is not None

    def check(self) -> None:
        """Refuse settings that would expose patient data without authentication."""
        if not self.loopback and not self.auth_enabled:
            raise ValueError(
                f"refusing to listen on {self.host} without authentication: give --token or"
                " --jwt-key (auth may be off only on localhost)"
            )
        if self.max_body_bytes < 1024:
            raise ValueError("the request body limit must be at least 1024 bytes")
