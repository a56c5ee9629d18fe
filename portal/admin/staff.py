"""/admin/staff (being built)."""
from .views import bp  # noqa: F401
