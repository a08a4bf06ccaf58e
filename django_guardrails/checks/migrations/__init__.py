"""5xx: the project's migrations."""
