from . import notify  # noqa: F401  (adds its routes to the seller blueprint)
