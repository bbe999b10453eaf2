"""Where a fact comes from. Every event cites at least one source: nothing enters unsourced."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledger.domain.partial_date import PartialDate


def web_address(value: str | None) -> str | None:
    """Only web addresses: a source link is shown to readers and followed by them, so
    ``javascript:``, ``data:`` or ``file:`` links are refused, not stored."""
    if value is None:
        return None
    scheme, separator, rest = value.partition("://")
    if not separator or scheme.lower() not in ("http", "https") or not rest.strip("/"):
        raise ValueError("url must be an http:// or https:// address")
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError("url must be an http(s) address without spaces or control characters")
    return value


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    url: str | None = None
    publisher: str | None = None
    published: str | None = Field(
        default=None, description="partial date: YYYY, YYYY-MM or YYYY-MM-DD"
    )

    @field_validator("url")
    @classmethod
    def _url_is_web_address(cls, value: str | None) -> str | None:
        return web_address(value)

    @field_validator("published")
    @classmethod
    def _published_is_partial_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return PartialDate.parse(value).text

    @property
    def published_date(self) -> PartialDate | None:
        return PartialDate.parse(self.published) if self.published else None

    def to_json(self) -> dict[str, str]:
        return self.model_dump(exclude_none=True)
