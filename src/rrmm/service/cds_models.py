"""CDS Hooks 2.0 request, card and feedback models (https://cds-hooks.hl7.org/2.0/)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Card",
    "CdsRequest",
    "CdsResponse",
    "Coding",
    "Discovery",
    "FeedbackItem",
    "FeedbackRequest",
    "ServiceDefinition",
    "Source",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Coding(_Model):
    """A FHIR Coding."""

    code: str
    system: str | None = None
    display: str | None = None


class Source(_Model):
    """Where a card's advice comes from."""

    label: str
    url: str | None = None
    topic: Coding | None = None


class Link(_Model):
    """A link shown with a card."""

    label: str
    url: str
    type: Literal["absolute", "smart"] = "absolute"


class Card(_Model):
    """A CDS Hooks card."""

    uuid: str
    summary: str = Field(max_length=140)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    overrideReasons: list[Coding] | None = None  # noqa: N815 (CDS Hooks field name)
    links: list[Link] | None = None


class CdsResponse(_Model):
    """A service's answer."""

    cards: list[Card]


class CdsRequest(_Model):
    """A hook invocation."""

    hook: str
    hookInstance: str  # noqa: N815 (CDS Hooks field name)
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None
    fhirServer: str | None = None  # noqa: N815 (CDS Hooks field name)


class ServiceDefinition(_Model):
    """A service in the discovery document."""

    hook: str
    id: str
    title: str
    description: str
    prefetch: dict[str, str] = {}
    usageRequirements: str | None = None  # noqa: N815 (CDS Hooks field name)


class Discovery(_Model):
    """The discovery document."""

    services: list[ServiceDefinition]


class OverrideReason(_Model):
    """Why a user overrode a card."""

    reason: Coding | None = None
    userComment: str | None = None  # noqa: N815 (CDS Hooks field name)


class FeedbackItem(_Model):
    """Feedback on one card."""

    card: str
    outcome: Literal["accepted", "overridden"]
    outcomeTimestamp: str  # noqa: N815 (CDS Hooks field name)
    overrideReason: OverrideReason | None = None  # noqa: N815 (CDS Hooks field name)
    acceptedSuggestions: list[dict[str, Any]] | None = None  # noqa: N815


class FeedbackRequest(_Model):
    """The feedback endpoint's body."""

    feedback: list[FeedbackItem] = Field(min_length=1)
