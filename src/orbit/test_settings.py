"""Settings for the test suite: the real settings, with a throw-away data dir and fixed keys.

``ORBIT_DATABASE_URL`` chooses the database as usual (SQLite by default;
``make test`` runs the suite a second time on PostgreSQL).
"""

import os
import tempfile

os.environ.setdefault("ORBIT_DATA_DIR", tempfile.mkdtemp(prefix="orbit-test-"))
os.environ.setdefault("ORBIT_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("ORBIT_AUDIT_KEY", "test-audit-key-0123456789abcdef")

from orbit.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns about a missing directory)
