"""The ASGI entry point uvicorn imports: `backend.api.main:app`."""

from backend.api.app import create_app
from backend.kit.settings import get_settings

app = create_app(get_settings())
