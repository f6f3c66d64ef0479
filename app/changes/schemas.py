"""The change feed as the API shows it."""

from pydantic import Field

from app.cursors import Page
from app.history.schemas import HistoryEntry


class Change(HistoryEntry):
    """One change to a child's records, ends or place on the register, in commit order."""

    upn: str = Field(description="The child's UPN now (after any UPN change).")
    number: int = Field(description="The register version the change committed as.")
    cursor: str = Field(description="Pass as `cursor` to read the changes after this one.")


class ChangesPage(Page):
    items: list[Change] = Field(description="Oldest first; empty when the reader is caught up.")
    cursor: str | None = Field(
        description="The cursor to continue from: the last item's, or the one given when "
        "the page is empty (null if there has been no change yet)."
    )
    next: str | None = Field(description="URL of the next page (the same after an empty page).")
    after: str | None = Field(
        description="The same as `cursor`, under its former name.",
        json_schema_extra={"deprecated": True},
    )
