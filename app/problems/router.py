"""The pages that problem `type` URIs resolve to: what each problem means, what to do."""

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.errors import PROBLEM_TYPES, ProblemType

router = APIRouter(prefix="/problems", include_in_schema=False)


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title></head><body><h1>{escape(title)}</h1>{body}"
        '<p><a href="/problems">All problem types</a> · <a href="/docs">API docs</a></p>'
        "</body></html>"
    )


def _about(kind: ProblemType) -> str:
    return f"<p>HTTP {kind.status}. {escape(kind.about)}</p>"


@router.get("")
def problem_index() -> HTMLResponse:
    """Every problem type the register answers with."""
    items = "".join(
        f'<li><a href="{escape(kind.uri)}">{escape(kind.title)}</a> ({kind.status})</li>'
        for kind in PROBLEM_TYPES.values()
    )
    return _page("Problem types", f"<ul>{items}</ul>")


@router.get("/{slug}")
def problem_page(slug: str) -> HTMLResponse:
    """What one problem type means and what a client should do about it."""
    kind = PROBLEM_TYPES.get(slug)
    if kind is None:
        return _page("Unknown problem type", "<p>No such problem type.</p>")
    return _page(kind.title, _about(kind))
