"""Administration (/admin): admins change, managers look."""
from . import (  # noqa: F401  (each adds its routes)
    api_tokens,
    audit,
    canned,
    departments,
    integration_tokens,
    notifications,
    reasons,
    routing,
    seller_qr,
    sellers,
    staff,
    views,
)
from .views import bp

__all__ = ["bp"]
