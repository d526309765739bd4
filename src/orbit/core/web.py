"""Web forms over the services, shared by every context.

:func:`versioned_action` runs a form that edits one versioned record; it shows a stale
write as a form error saying what changed, and a service's ``ValidationError`` on the
fields it names.  :func:`archive_restore_views` builds the archive and restore pages of
one kind of record from its selector and services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orbit.core.errors import StaleVersion
from orbit.core.forms import ArchiveForm, RestoreForm
from orbit.core.views import web_errors

#: The page of a form that acts on one record (or creates one): title, conflict, fields, submit, cancel.
ACTION_TEMPLATE = "orbit/action_form.html"

GET_POST = require_http_methods(["GET", "POST"])

View = Callable[..., HttpResponse]


def apply_validation_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields and field != "version" else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


F = TypeVar("F", bound=forms.Form)


def submit_form(
    form: F, perform: Callable[[F], Any], *, rebind: dict[str, Any] | None = None
) -> tuple[Any, F, StaleVersion | None]:
    """Validate ``form`` and call the service through ``perform``: (its result or None, the form, the conflict).

    A stale version comes back as a conflict with the form rebound to the current version (``rebind`` are the
    form's own keyword arguments); a service's ValidationError lands on the fields it names.
    """
    if not form.is_valid():
        return None, form, None
    try:
        return perform(form), form, None
    except StaleVersion as exc:
        return None, cast(F, rebind_after_conflict(form, exc, **(rebind or {}))), exc
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return None, form, None


def rebind_after_conflict(form: forms.Form, exc: StaleVersion, **kwargs: Any) -> forms.Form:
    """The same input, now carrying the current version, with an error saying what changed."""
    data = form.data.copy()  # type: ignore[attr-defined]
    data["version"] = str(exc.current.version)
    fresh = type(form)(data, **kwargs)
    fresh.is_valid()
    fresh.add_error(
        None,
        _(
            "Someone else changed this record since you opened it (your version %(expected)s, now %(current)s). "
            "Check their changes below; submit again to apply yours on top."
        )
        % {"expected": exc.expected, "current": exc.current.version},
    )
    return fresh


def versioned_action(
    request: HttpRequest,
    *,
    obj: Any,
    form_class: type[forms.Form],
    perform: Callable[[int, str], Any],
    title: str,
    submit: str,
    done: str,
    back_url: str,
    danger: bool = False,
) -> HttpResponse:
    """GET shows the form; POST calls ``perform(version, reason)`` and handles the service's answers."""
    conflict: StaleVersion | None = None
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                perform(form.cleaned_data["version"], form.cleaned_data.get("reason", ""))
            except StaleVersion as exc:
                conflict = exc
                form = rebind_after_conflict(form, exc)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(back_url)
    else:
        form = form_class(initial={"version": obj.version})
    return render(
        request,
        ACTION_TEMPLATE,
        {
            "form": form,
            "object": obj,
            "conflict": conflict,
            "title": title,
            "submit": submit,
            "back_url": back_url,
            "danger": danger,
        },
    )


@dataclass(frozen=True)
class ActionText:
    """What an archive or restore page says: its title, its message when done, and its button."""

    title: str
    done: str
    submit: str = ""


def archive_restore_views(
    *,
    get: Callable[[Any, int], Any],
    archive: Callable[..., Any],
    restore: Callable[..., Any],
    target: str,
    text: Callable[[Any, bool], ActionText],
    back_url: Callable[[Any], str],
) -> tuple[View, View]:
    """The archive and the restore page of one kind of record, for signed-in users.

    ``get(user, pk)`` reads the record through the context's selector (a 404 out of scope);
    ``archive`` and ``restore`` are its services, which take the record as the keyword
    ``target``; ``text(record, restoring)`` words the page and ``back_url(record)`` is where
    it returns.  Archiving asks for a reason; restoring takes an optional one.
    """

    def page(request: HttpRequest, pk: int, *, restoring: bool) -> HttpResponse:
        obj = get(request.user, pk)
        service = restore if restoring else archive
        words = text(obj, restoring)
        return versioned_action(
            request,
            obj=obj,
            form_class=RestoreForm if restoring else ArchiveForm,
            perform=lambda version, reason: service(
                actor=request.user, **{target: obj}, expected_version=version, reason=reason
            ),
            title=words.title,
            submit=words.submit or (_("Restore") if restoring else _("Archive")),
            done=words.done,
            back_url=back_url(obj),
            danger=not restoring,
        )

    @login_required
    @GET_POST
    @web_errors
    def archive_view(request: HttpRequest, pk: int) -> HttpResponse:
        return page(request, pk, restoring=False)

    @login_required
    @GET_POST
    @web_errors
    def restore_view(request: HttpRequest, pk: int) -> HttpResponse:
        return page(request, pk, restoring=True)

    return archive_view, restore_view
