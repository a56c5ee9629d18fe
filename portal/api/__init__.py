"""The seller JSON API (/api/v1), authenticated by the seller link's token."""
