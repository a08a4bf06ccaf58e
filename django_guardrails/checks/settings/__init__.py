"""1xx: settings and the secrets in their source."""
