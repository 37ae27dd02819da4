"""Authentication: a bearer token, or a CDS Hooks JWT (signature, expiry, audience)."""

from __future__ import annotations

import hmac

import jwt
from fastapi import Request

from rrmm.service.problems import ProblemError
from rrmm.service.settings import ServiceSettings

__all__ = ["authenticate"]

_ALGORITHMS = ["HS256", "HS384", "RS256", "RS384", "ES256", "ES384"]


def authenticate(request: Request, settings: ServiceSettings) -> None:
    """Raise a 401 problem unless the request carries valid credentials (when auth is on)."""
    if not settings.auth_enabled:
        return
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential:
        raise ProblemError(401, "Unauthorized", "a bearer token or a CDS Hooks JWT is required")
    if settings.token is not None and hmac.compare_digest(credential, settings.token):
        return
    if settings.jwt_key is not None:
        try:
            jwt.decode(
                credential,
                settings.jwt_key,
                algorithms=_ALGORITHMS,
                audience=settings.jwt_audience,
                options={
                    "require": ["exp", "iss"],
                    "verify_aud": settings.jwt_audience is not None,
                },
            )
            return
        except jwt.PyJWTError as error:
            raise ProblemError(401, "Unauthorized", f"invalid JWT: {error}") from None
    raise ProblemError(401, "Unauthorized", "invalid bearer token")
