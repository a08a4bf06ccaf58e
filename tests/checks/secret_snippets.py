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
    # literal fallbacks of any read, placeholders included: the fallback is the credential
    # wherever the variable or key is missing (keys are upper case or short here only so that
    # tests/test_no_secret_anywhere.py, which treats longer literals as secrets, can tell them
    # apart: the hint rightly names the key read)
    s(
        'import json\nSECRETS = json.load(open("/srv/shop/secrets.json"))\n'
        'PAYMENT_PROCESSOR = SECRETS.get("PAYMENTS_SECRET_KEY", "sk_test_51Fake0Qw8Er7Ty6Ui5Op4As")',
        "PAYMENT_PROCESSOR",
    ),
    s('CONFIG = {}\nMAPS_CLIENT = CONFIG.get("api_key", "mapkey-local-2291")', "MAPS_CLIENT"),
    s(
        'import os\nADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "changeme")',
        "ADMIN_PASSWORD",
    ),
    s('SECRETS = {}\nWEBHOOK_SECRET = SECRETS.get("WEBHOOK_SECRET", "dummy")', "WEBHOOK_SECRET"),
    s(
        'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql",'
        ' "PASSWORD": env.get("DB_PASSWORD", "postgres")}}',
        "DATABASES['default']['PASSWORD']",
    ),
    s(
        'SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="ci-fallback-3kd9-2mx8-q7w1")',
        "SECRET_KEY",
    ),
    s('EMAIL_HOST_PASSWORD = config("SMTP_PASSWORD", default="admin")', "EMAIL_HOST_PASSWORD"),
    s(
        'import os\nSECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "fallback-for-ci-7731"',
        "SECRET_KEY",
    ),
    s(
        'import os\nos.environ.setdefault("DJANGO_SECRET_KEY", "setdefault-key-5521-zz")',
        "DJANGO_SECRET_KEY",
    ),
    s(
        'import os\nREDIS_PASSWORD = os.environ.get("REDIS_PW", os.environ.get("REDIS_PASSWORD",'
        ' "redispw"))',
        "REDIS_PASSWORD",
    ),
    s('SECRETS = {}\nSECRET_KEY = str(SECRETS.get("SECRET_KEY", "Kq83-mzPw-x0Lr"))', "SECRET_KEY"),
    s(
        'DATABASES = {"default": env.db("DATABASE_URL",'
        ' default="postgres://shop:Zr8-pw-local@db/shop")}',
        "DATABASES['default']",
    ),
    # real secrets beside values that cannot be secrets
    s(
        'CACHE_SERVERS = ["redis://:Qm7x-cache-pw@cache-1:6379/0", "redis://cache-2:6379/0"]',
        "CACHE_SERVERS",
    ),
    s('TRUSTED_CLIENTS = ["web", "Hj7Kl9Mn2Pq4Rs6Tu8Vw0Xy1Za3Bc5De"]', "TRUSTED_CLIENTS"),
    # no secret: fallbacks that are no credential
    s('SECRETS = {}\nSTRIPE_PRODUCT_ID = SECRETS.get("stripe_product_id", "prod_dummy_month")'),
    s(
        'SECRETS = {}\nCACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.'
        'RedisCache", "LOCATION": SECRETS.get("cache_url", "redis://localhost:6379/1")}}'
    ),
    s(
        'SECRETS = {}\nDATABASES = {"default": {"USER": SECRETS.get("db_user", "shop"),'
        ' "PASSWORD": SECRETS.get("db_password", "")}}'
    ),
    s('import os\nALLOWED_HOSTS = os.getenv("DJANGO_ALLOWED_HOSTS", "localhost").split(",")'),
    s(
        'import os\nPASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT",'
        ' "259200"))'
    ),
    s('TOKEN_TTL = env("TOKEN_TTL", default="3600")'),
    s('CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://localhost:6379/0")'),
    s(
        'SECRETS = {}\nSTRIPE_PUBLISHABLE_KEY = SECRETS.get("stripe_publishable_key",'
        ' "pk_test_Fake51Hx2Lq9Zr8Ty7Ui6Op5As4Df")'
    ),
    s('import os\nADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "admin")', dev=True),
    # no secret: app labels, import paths, URLs without credentials, file paths
    s(
        'INSTALLED_APPS = ["django.contrib.admin", "shop", "_legacy_2019_checkout_workaround",'
        ' "payments.apps.PaymentsConfigForProduction"]'
    ),
    s(
        'MIDDLEWARE = ["django.middleware.security.SecurityMiddleware",'
        ' "shop.middleware.RequestIdMiddlewareForTracing"]'
    ),
    s(
        'AUTHENTICATION_BACKENDS = ("social_core.backends.google.GoogleOAuth2",'
        ' "django.contrib.auth.backends.ModelBackend")'
    ),
    s('PUSH_CREDENTIALS = "feeds.utils.push_credentials"'),
    s('PASSWORD_RESET_TOKEN_GENERATOR = "accounts.tokens.ActivationTokenGenerator"'),
    s(
        'SIMPLE_JWT = {"AUTH_TOKEN_CLASSES": ("rest_framework_simplejwt.tokens.AccessToken",),'
        ' "TOKEN_OBTAIN_SERIALIZER": "accounts.serializers.TokenPairSerializer"}'
    ),
    s('OIDC_OP_TOKEN_ENDPOINT = "https://login.example.com/oauth2/v1/token"'),
    s('GOOGLE_APPLICATION_CREDENTIALS = "/etc/shop/gcp-service-account.json"'),
    s('JWT_PRIVATE_KEY = "keys/jwt-signing.pem"'),
    s('RECAPTCHA_PUBLIC_KEY = "6LcFake0AAAAAHx2Lq9Zr8Ty7Ui6Op5As4DfGhJk"'),
    # no secret: settings about a secret (its rate limit, claim name), not the secret
    s('ACCOUNT_RATE_LIMITS = {"change_password": "1/m/user", "reset_password": "5/m/ip"}'),
    s(
        'import os\nREST_FRAMEWORK = {"DEFAULT_THROTTLE_RATES": {"login": os.getenv('
        '"LOGIN_TOKEN_THROTTLE_RATE", "5/min")}}'
    ),
    s('SIMPLE_JWT = {"TOKEN_TYPE_CLAIM": "token_type", "USER_ID_CLAIM": "user_id"}'),
    s('import os\nTOKEN_EXPIRE_HOURS = os.getenv("TOKEN_EXPIRE_HOURS", "24")'),
    s('API_TOKEN_AUTH = env("API_TOKEN_AUTH", default="off")'),
    # ... yet a number is a password like any other
    s('import os\nDB_PASS = os.getenv("DB_PASS", "123456")', "DB_PASS"),
]
