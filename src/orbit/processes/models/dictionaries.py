"""Shared dictionaries the inventory refers to instead of free text: IT systems, records, roles, external parties."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orbit.core.fields import TranslatedTextField
from orbit.governance.models import AuditedModel
from orbit.organisation.models import OrgUnit, code_validator


class DictionaryEntry(AuditedModel):
    """An entry of a shared dictionary: one code, a translated name, where it came from."""

    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name = TranslatedTextField(_("name"), max_length=300)
    description = TranslatedTextField(_("description"), required=False)
    #: Where the entry came from (e.g. "BPMN import: invoice.v2.bpmn").
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        abstract = True
        ordering = ("code",)

    def __str__(self) -> str:
        return str(self.name) or self.code

    def audit_scope_path(self) -> str:
        return ""


class ItSystem(DictionaryEntry):
    """An IT system or data store processes use (from BPMN data stores, or entered by hand)."""

    owner_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner unit")
    )

    class Meta(DictionaryEntry.Meta):
        verbose_name = _("IT system")
        verbose_name_plural = _("IT systems")


class RecordType(DictionaryEntry):
    """A kind of record or document a process produces (from BPMN data objects, or entered by hand)."""

    class Meta(DictionaryEntry.Meta):
        verbose_name = _("record type")
        verbose_name_plural = _("record types")


class ProcessRole(DictionaryEntry):
    """A role that takes part in processes (from BPMN lanes, or entered by hand)."""

    class Meta(DictionaryEntry.Meta):
        verbose_name = _("process role")
        verbose_name_plural = _("process roles")


class ExternalParty(DictionaryEntry):
    """A party outside the organisation processes exchange messages with (a BPMN pool without a process)."""

    class Meta(DictionaryEntry.Meta):
        verbose_name = _("external party")
        verbose_name_plural = _("external parties")
