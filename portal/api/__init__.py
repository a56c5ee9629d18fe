"""The JSON API (/api/v1): sellers with their link token, staff with a personal API token."""
