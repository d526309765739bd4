"""Orbit's additions to Django's locale formats (``FORMAT_MODULE_PATH``): only what Django leaves out.

Django's own format of each language applies to everything not named here.
"""
