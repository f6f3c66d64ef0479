"""Every page router, each audited as the API's calls are."""

from fastapi import APIRouter, Depends

from app.audit.service import audit_trail
from app.web import (
    admin,
    audit,
    child,
    home,
    inspection,
    oidc,
    register,
    sending,
    sent,
    sign_in,
    worklists,
)


def page_router() -> APIRouter:
    """The pages, one module per area; a new area adds its router here."""
    pages = APIRouter(dependencies=[Depends(audit_trail, scope="function")])
    for area in (
        sign_in,
        oidc,
        home,
        register,
        child,
        audit,
        worklists,
        inspection,
        admin,
        sending,
        sent,
    ):
        pages.include_router(area.router, include_in_schema=False)
    return pages
