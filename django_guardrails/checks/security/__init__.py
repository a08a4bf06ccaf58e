"""6xx: security, read from the project's source and templates."""
