"""Template helpers of the web shell: translated text, audit values, the unit switcher."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orbit.core.i18n import LANGUAGE_NAMES, pick

register = template.Library()

SAMPLE_USER_MARK = "(sample user)"


@register.filter
def tr(value: Any, language: str | None = None) -> str:
    """Translated text in the active language (or ``language``), falling back in the usual order."""
    if isinstance(value, dict):
        return pick(value, language)
    return "" if value is None else str(value)


@register.filter
def audit_value(value: Any) -> str:
    """A readable rendering of one side of a field change in the audit log."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, dict):
        return "; ".join(f"{LANGUAGE_NAMES.get(str(k), k)}: {audit_value(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list):
        return ", ".join(audit_value(v) for v in value) or "—"
    return str(value)


@register.filter
def is_sample_user(user: Any) -> bool:
    return bool(user is not None and getattr(user, "last_name", "") == SAMPLE_USER_MARK)


#: Where the page of an object named in the audit log lives, by object type.
_OBJECT_PAGES = {"organisation.orgunit": ("organisation:unit-detail", "object_id")}


@register.filter
def object_url(event: Any) -> str:
    """The page of the object an audit event is about, else its history page ('' when it has neither)."""
    target = _OBJECT_PAGES.get(event.object_type)
    try:
        if target is not None:
            return reverse(target[0], args=[event.object_id])
        if event.object_type == "organisation.membership":
            return reverse("governance:history", args=[event.object_type, event.object_id])
    except NoReverseMatch:
        return ""
    return ""


@register.simple_tag(takes_context=True)
def orbit_shell(context: template.Context) -> dict[str, Any]:
    """What the page frame needs: the current unit, switcher choices, whether the audit log is readable."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"authenticated": False}
    cached: dict[str, Any] | None = getattr(request, "_orbit_shell", None)
    if cached is not None:
        return cached
    from orbit.core.views import current_unit
    from orbit.governance.selectors import audit_log_readable
    from orbit.organisation.selectors import units_for_switcher

    cached = {
        "authenticated": True,
        "current_unit": current_unit(request),
        "switcher_units": units_for_switcher(user),
        "audit_readable": audit_log_readable(user),
        "sample_user": is_sample_user(user),
    }
    request._orbit_shell = cached
    return cached


@register.filter
def indent(depth: Any) -> str:
    """A visual indent for tree depth inside a ``<select>``, where markup cannot be used."""
    try:
        return "\u00a0\u00a0" * int(depth)
    except (TypeError, ValueError):
        return ""


ACTION_LABELS = {
    "create": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "archive": gettext_lazy("archived"),
    "restore": gettext_lazy("restored"),
    "approve": gettext_lazy("approved"),
    "import": gettext_lazy("imported"),
    "move": gettext_lazy("moved"),
    "login": gettext_lazy("logged in"),
}
_SOURCE_LABELS = {
    "web": gettext_lazy("web"),
    "api": gettext_lazy("API"),
    "cli": gettext_lazy("command line"),
    "job": gettext_lazy("background job"),
    "import": gettext_lazy("import"),
    "system": gettext_lazy("system"),
}
_OBJECT_TYPE_LABELS = {
    "organisation.orgunit": gettext_lazy("unit"),
    "organisation.membership": gettext_lazy("membership"),
    "auth.user": gettext_lazy("user"),
}


@register.filter
def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@register.filter
def source_label(source: str) -> str:
    return str(_SOURCE_LABELS.get(source, source))


@register.filter
def object_type_label(object_type: str) -> str:
    label = _OBJECT_TYPE_LABELS.get(object_type)
    if label is None:
        model = _model_for(object_type)
        return str(model._meta.verbose_name) if model is not None else object_type
    return str(label)


def _model_for(object_type: str) -> Any:
    from django.apps import apps

    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


@register.filter
def field_label(field: str, object_type: str) -> str:
    """The translated name of a changed field (``is_sample`` → "sample data"), or the field name itself."""
    model = _model_for(object_type)
    if model is None:
        return field
    try:
        return str(model._meta.get_field(field).verbose_name)
    except Exception:  # a pseudo-field such as "archived", or a field since removed
        return field


@register.filter
def get_language(value: Any, code: str) -> str:
    """The text of translated ``value`` in exactly ``code`` (no fallback), for showing every language."""
    if isinstance(value, dict):
        return str(value.get(code, ""))
    return ""
