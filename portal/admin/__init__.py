"""Administration: webhooks and canned replies (admins change, managers look)."""
from . import canned, views  # noqa: F401  (canned adds its routes to the blueprint)
from .views import bp

__all__ = ["bp"]
