"""WTForms classes and the pure normalisers they share with the services. No database access."""
