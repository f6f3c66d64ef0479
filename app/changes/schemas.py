"""The change feed as the API shows it."""

from pydantic import BaseModel, Field

from app.history.schemas import HistoryEntry


class Change(HistoryEntry):
    """One change to a child's records, ends or place on the register, in commit order."""

    upn: str = Field(description="The child's UPN now (after any UPN change).")
    number: int = Field(description="The register version the change committed as.")
    cursor: str = Field(description="Pass as `after` to read the changes after this one.")


class ChangesPage(BaseModel):
    items: list[Change] = Field(description="Oldest first; empty when the reader is caught up.")
    after: str | None = Field(
        description="The cursor to continue from: the last item's, or the one given when "
        "the page is empty (null if there has been no change yet)."
    )
    next: str | None = Field(description="URL of the next page (the same after an empty page).")
