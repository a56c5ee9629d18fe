"""Administration (/admin): admins change, managers look."""
from . import api_tokens, audit, canned, departments, routing, sellers, staff, views  # noqa: F401  (each adds its routes)
from .views import bp

__all__ = ["bp"]
