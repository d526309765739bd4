"""The shared dictionaries of the process inventory in the browser: IT systems, record types, roles and external
parties, listed, searched, added, changed, archived and restored (the services of :mod:`orbit.processes.services`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from orbit.core.errors import PermissionDenied
from orbit.core.views import web_errors
from orbit.core.web import ActionText, archive_restore_views, submit_form
from orbit.organisation.access import can_anywhere
from orbit.organisation.models import OrgUnit
from orbit.processes import selectors, services
from orbit.processes.forms import DictionaryEntryEditForm, DictionaryEntryForm

GET_POST = require_http_methods(["GET", "POST"])
PER_PAGE = 50

#: The dictionaries, in the order the pages list them, with their names in the reader's language.
NAMES = {
    "it_systems": gettext_lazy("IT systems"),
    "records": gettext_lazy("Record types"),
    "roles": gettext_lazy("Roles"),
    "external_parties": gettext_lazy("External parties"),
}


def _name(dictionary: str) -> Any:
    if dictionary not in NAMES:
        raise Http404("No such dictionary.")
    return NAMES[dictionary]


def _list_url(dictionary: str) -> str:
    return reverse("processes:dictionary", args=[dictionary])


def _form_kwargs(dictionary: str) -> dict[str, Any]:
    return {"dictionary": dictionary, "units": OrgUnit.objects.order_by("path")}


@login_required
@GET_POST
@web_errors
def dictionary(request: HttpRequest, name: str) -> HttpResponse:
    """One dictionary: its entries (archived ones on request), a search, and a form to add one."""
    title = _name(name)
    archived = request.GET.get("archived") == "1"
    q = request.GET.get("q", "").strip()[:100]
    entries = selectors.dictionary_list(user=request.user, dictionary=name, q=q, include_archived=archived)
    if name == "it_systems":
        entries = entries.select_related("owner_unit")
    may_change = can_anywhere(request.user, "change")
    form = DictionaryEntryForm(request.POST or None, **_form_kwargs(name)) if may_change else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("You need the change right on a unit to change the shared dictionaries."))
        entry, form, _conflict = submit_form(form,
            lambda f: services.dictionary_entry_create(
                actor=request.user, dictionary=name, reason=f.cleaned_data["reason"], **f.service_values()
            ),
        )  # fmt: skip
        if entry is not None:
            messages.success(request, _("%(code)s added.") % {"code": entry.code})
            return HttpResponseRedirect(_list_url(name))
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page", 1))
    query = "&".join(part for part in (f"q={q}" if q else "", "archived=1" if archived else "") if part)
    return render(
        request,
        "processes/dictionary.html",
        {"dictionary": name, "title": title, "names": NAMES, "page": page, "query": query, "q": q,
         "archived": archived, "form": form, "may_change": may_change},
    )  # fmt: skip


@login_required
@GET_POST
@web_errors
def dictionary_entry(request: HttpRequest, name: str, pk: int) -> HttpResponse:
    """One entry: its form (for those who may change the dictionaries), and archive or restore."""
    _name(name)
    entry = selectors.dictionary_get(user=request.user, dictionary=name, pk=pk)
    if not can_anywhere(request.user, "change"):
        raise PermissionDenied(_("You need the change right on a unit to change the shared dictionaries."))
    kwargs = _form_kwargs(name)
    conflict = None
    if request.method == "POST":
        form = DictionaryEntryEditForm(request.POST, **kwargs)
        saved, form, conflict = submit_form(form,
            lambda f: services.dictionary_entry_update(
                actor=request.user, entry=entry, expected_version=f.cleaned_data["version"],
                reason=f.cleaned_data["reason"], **f.service_values(),
            ),
            rebind=kwargs,
        )  # fmt: skip
        if saved is not None:
            messages.success(request, _("%(code)s saved.") % {"code": saved.code})
            return HttpResponseRedirect(_list_url(name))
    else:
        initial = {"version": entry.version, "code": entry.code, "name": entry.name, "description": entry.description,
                   "source": entry.source}  # fmt: skip
        if name == "it_systems":
            initial["owner_unit"] = entry.owner_unit_id
        form = DictionaryEntryEditForm(initial=initial, **kwargs)
    return render(
        request,
        "processes/dictionary_entry.html",
        {"dictionary": name, "dictionary_title": NAMES[name], "entry": entry, "form": form, "conflict": conflict,
         "title": _("Edit %(code)s") % {"code": entry.code}},
    )  # fmt: skip


def _entry_words(entry: Any, restoring: bool) -> ActionText:
    if restoring:
        return ActionText(_("Restore %(code)s") % {"code": entry.code}, _("%(code)s restored.") % {"code": entry.code})
    return ActionText(
        _("Archive %(code)s") % {"code": entry.code},
        _("%(code)s archived: it is no longer offered, and stays on the processes that name it.")
        % {"code": entry.code},
    )


def _archive_restore(name: str) -> tuple[Any, Any]:
    return archive_restore_views(
        get=lambda user, pk: selectors.dictionary_get(user=user, dictionary=name, pk=pk),
        archive=services.dictionary_entry_archive,
        restore=services.dictionary_entry_restore,
        target="entry",
        text=_entry_words,
        back_url=lambda entry: _list_url(name) + ("?archived=1" if entry.archived_at else ""),
    )


VIEWS = {name: _archive_restore(name) for name in NAMES}


@require_http_methods(["GET", "POST"])
def dictionary_archive(request: HttpRequest, name: str, pk: int) -> HttpResponse:
    _name(name)
    return VIEWS[name][0](request, pk)  # type: ignore[no-any-return]


@require_http_methods(["GET", "POST"])
def dictionary_restore(request: HttpRequest, name: str, pk: int) -> HttpResponse:
    _name(name)
    return VIEWS[name][1](request, pk)  # type: ignore[no-any-return]


@login_required
@require_GET
def dictionaries(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(_list_url("it_systems"))
