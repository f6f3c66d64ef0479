"""Page routes: refusals become GOV.UK pages (or a trip to sign in), never problem JSON."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from app.errors import ProblemError
from app.web.rendering import PAGE_HEADERS, error_page
from app.web.session import NoAccess, PageForbidden, SignInRequired, StaleForm, sign_in_url


class PageRoute(APIRoute):
    """A route answering people: every answer carries the page headers, every refusal is a
    page saying what to do."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_or_refusal(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInRequired as exc:
                response = RedirectResponse(sign_in_url(exc.next_path), status_code=303)
            except (PageForbidden, NoAccess) as exc:
                response = _refusal(request, exc)
            except StaleForm:
                response = error_page(
                    request,
                    403,
                    "This form has expired",
                    "Nothing was changed. Go back, reload the page and send the form again.",
                )
            except RequestValidationError:
                response = error_page(
                    request,
                    404,
                    "Page not found",
                    "Check the address: a child's page is found by their UPN, 13 characters "
                    "starting with a letter.",
                )
            except ProblemError as exc:
                response = error_page(request, exc.kind.status, exc.kind.title, exc.detail)
            response.headers.update(PAGE_HEADERS)
            return response

        return page_or_refusal


def _refusal(request: Request, exc: Exception) -> Response:
    if isinstance(exc, NoAccess):
        return error_page(
            request,
            403,
            "You do not have access to the register",
            "You signed in, but you have not been given a role in the register. Ask the "
            "register's administrator for access.",
        )
    return error_page(
        request,
        403,
        "You do not have permission to see this page",
        "Your role does not include this page. Ask the register's administrator if you need it.",
    )
