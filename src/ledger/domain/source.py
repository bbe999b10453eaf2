"""Where a fact comes from. Every event cites at least one source: nothing enters unsourced."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledger.domain.partial_date import PartialDate


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    url: str | None = None
    publisher: str | None = None
    published: str | None = Field(
        default=None, description="partial date: YYYY, YYYY-MM or YYYY-MM-DD"
    )

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
