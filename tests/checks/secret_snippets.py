"""Labelled settings snippets: which settings hold a real secret (by name), which hold none.

Real shapes from Django projects. Every value is fake. ``dev`` marks a development or test
module, where Django's ``django-insecure-`` keys and literal local passwords are expected.
Used by tests/checks/test_secrets.py and benchmarks/secrets_precision.py.
"""

from __future__ import annotations

from typing import NamedTuple


class Snippet(NamedTuple):
    source: str
    secrets: frozenset[str]  # setting names (or dict paths) that hold a secret
    dev: bool = False


def s(source: str, *secrets: str, dev: bool = False) -> Snippet:
    return Snippet(source, frozenset(secrets), dev)


SNIPPETS: list[Snippet] = [
    # literal secrets under telling names
    s('SECRET_KEY = "k8$2mz!q9v#xw1p@r7t&y5u^i3o*a0s"', "SECRET_KEY"),
    s('EMAIL_HOST_PASSWORD = "Tr0ub4dor&3horse"', "EMAIL_HOST_PASSWORD"),
    s(
        'AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
        "AWS_SECRET_ACCESS_KEY",
    ),
    s('GITHUB_TOKEN = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"', "GITHUB_TOKEN"),
    s('MAILGUN_API_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"', "MAILGUN_API_KEY"),
    s(
        'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop",'
        ' "USER": "shop", "PASSWORD": "s3cr3t-pr0d-pw", "HOST": "db"}}',
        "DATABASES['default']['PASSWORD']",
    ),
    s(
        'CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache",'
        ' "OPTIONS": {"PASSWORD": "redis-pass-7781"}}}',
        "CACHES['default']['OPTIONS']['PASSWORD']",
    ),
    s(
        'SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = "GOCSPX-4f8g9h0j1k2l3m4n5o6p7q8r"',
        "SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET",
    ),
    s('JWT_SIGNING_KEY = "a9f8e7d6c5b4a39281706f5e4d3c2b1a"', "JWT_SIGNING_KEY"),
    s('PAYPAL_CLIENT_SECRET = "EKx7_h2Pq-9zLmN4vR8tW1yB3cD5fG6j"', "PAYPAL_CLIENT_SECRET"),
    # token formats under names that say nothing
    s('STRIPE = "sk_live_51HxLrPq2eZvKYlo2C0123456789abcd"', "STRIPE"),
    s('BACKUP_BUCKET_ID = "AKIAIOSFODNN7EXAMPLE"', "BACKUP_BUCKET_ID"),
    s('SLACK_HOOK = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"', "SLACK_HOOK"),
    s('MAPS = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"', "MAPS"),
    s(
        'SIGNER = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----"',
        "SIGNER",
    ),
    s(
        'SERVICE_CONFIG = {"mail": "SG.ngeVfQFYQlKU0ufo8x5d1A.TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr8"}',
        "SERVICE_CONFIG['mail']",
    ),
    s(
        'WEBHOOK = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"',
        "WEBHOOK",
    ),
    s('UPSTREAM = "Zx8Kq2LmN9pR4tV7wY1aB3cD6fG0hJ5kQ"', "UPSTREAM"),
    # URLs with passwords
    s('DATABASE_URL = "postgres://shop:Zq9v2mxw8@db.internal:5432/shop"', "DATABASE_URL"),
    s('BROKER_URL = "amqp://celery:rabbit-pw-33@mq:5672//"', "BROKER_URL"),
    s('CELERY_RESULT_BACKEND = "redis://:r3d1s-pw@cache:6379/1"', "CELERY_RESULT_BACKEND"),
    # environment reads with literal defaults in production modules
    s(
        'import os\nSECRET_KEY = os.environ.get("SECRET_KEY", "fallback-prod-key-8d7f6a5s4d")',
        "SECRET_KEY",
    ),
    s('import os\nAPI_TOKEN = os.getenv("API_TOKEN", "tok_live_93jd8s7d6f5g")', "API_TOKEN"),
    s('SECRET_KEY = env("SECRET_KEY", default="e8r7t6y5u4i3o2p1a0s9d8f7g6h5j4k3")', "SECRET_KEY"),
    s(
        'EMAIL_HOST_PASSWORD = config("EMAIL_HOST_PASSWORD", default="mailpass-2024")',
        "EMAIL_HOST_PASSWORD",
    ),
    # no secret: environment reads
    s('import os\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]'),
    s('import os\nSECRET_KEY = os.environ.get("DJANGO_SECRET_KEY")'),
    s('EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")'),
    s('DATABASES = {"default": env.db("DATABASE_URL")}'),
    s('import os\nDATABASES = {"default": {"PASSWORD": os.environ.get("DB_PASSWORD", "")}}'),
    # no secret: placeholders and empty values
    s('SECRET_KEY = "changeme"'),
    s('EMAIL_HOST_PASSWORD = ""'),
    s('API_KEY = "<your-api-key>"'),
    s('DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}'),
    s('DATABASE_URL = "postgres://user:${DB_PASSWORD}@db/app"'),
    s('STRIPE_SECRET_KEY = "sk_test_xxxxxxxxxxxxxxxxxxxxxxxx"'),
    # no secret: development and test modules
    s('SECRET_KEY = "django-insecure-q8#n2v$w@z!x5c7b9m1k3j"', dev=True),
    s('SECRET_KEY = "tests-only-not-a-secret"', dev=True),
    s('import os\nSECRET_KEY = os.environ.get("SECRET_KEY", "dev-key-123")', dev=True),
    s(
        'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql",'
        ' "PASSWORD": "postgres", "HOST": "localhost"}}',
        dev=True,
    ),
    s('PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]', dev=True),
    # no secret: settings whose names only look secret
    s(
        'AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation'
        '.MinimumLengthValidator"}]'
    ),
    s('CSRF_COOKIE_NAME = "csrftoken"'),
    s("PASSWORD_RESET_TIMEOUT = 259200"),
    s('SESSION_COOKIE_NAME = "sessionid_shop"'),
    s('TOKEN_BACKEND = "rest_framework.authtoken"'),
    s('STATIC_ROOT = "/srv/shop/static/collected-2024-assets"'),
    s('LOGGING = {"version": 1, "formatters": {"plain": {"format": "%(asctime)s %(message)s"}}}'),
    s('ROOT_URLCONF = "shop.urls"'),
    s('SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")'),
    s('BUILD_ID = "release-2024.11.25-build-4312"'),
]
