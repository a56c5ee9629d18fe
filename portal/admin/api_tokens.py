"""/admin/api-tokens (being built)."""
from .views import bp  # noqa: F401
