"""The sandbox's test data: a synthetic LA for an MIS vendor to integrate against."""

from pydantic import BaseModel, ConfigDict, Field

from app.auth.schemas import ClientCreated


class TestDataRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"children": 50, "weeks": 8}]}
    )

    children: int = Field(default=50, ge=1, le=2000)
    weeks: int = Field(default=8, ge=1, le=40, description="Weeks of returns, ending this week.")
    seed: int = Field(default=2026, ge=0, le=2**31 - 1, description="The same seed, the same LA.")


class TestData(BaseModel):
    summary: str = Field(examples=["48 children, 690 records from 24 providers, …"])
    clients: list[ClientCreated] = Field(
        description="A client for each provider, secrets shown once: push as those providers."
    )


class Cleared(BaseModel):
    children: int = Field(description="Children removed, with their records and history.")
    providers: int
    clients: int = Field(description="Provider clients removed.")
