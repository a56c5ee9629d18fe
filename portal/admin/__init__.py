"""Administration pages: admins change, managers look."""
