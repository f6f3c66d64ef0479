"""The served OpenAPI document as committed in openapi/openapi.json (`make openapi`)."""

import json

from app.config import Settings
from app.main import create_app


def openapi_document() -> str:
    """The served OpenAPI document, formatted as committed."""
    app = create_app(Settings(database_url="sqlite://"))
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(openapi_document(), end="")
