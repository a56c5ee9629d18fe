"""WTForms classes. No database access, nothing of portal: the normalisers they share with the services
are in the top-level `normalize` package."""
