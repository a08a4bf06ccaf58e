"""2xx: models of the project's own apps."""
