"""APQC's Process Classification Framework, kept as a reference taxonomy apart from the organisation's inventory."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orbit.governance.models import AuditedModel


class PcfRelease(AuditedModel):
    """One release of the PCF as read from APQC's workbook, with the attribution APQC requires."""

    title = models.CharField(_("title"), max_length=300)
    #: APQC's release number, e.g. "7.4" (not ``version``: that is every audited record's revision counter).
    pcf_version = models.CharField(_("PCF version"), max_length=40)
    attribution = models.TextField(_("attribution"))
    source_name = models.CharField(_("file"), max_length=300, blank=True)

    class Meta:
        ordering = ("title", "pcf_version")
        verbose_name = _("PCF release")
        constraints = [models.UniqueConstraint(fields=("title", "pcf_version"), name="pcf_release_unique")]

    def __str__(self) -> str:
        return f"{self.title} {self.pcf_version}"

    def audit_scope_path(self) -> str:
        return ""


class PcfElement(AuditedModel):
    """An element of the PCF: category (1), process group (2), process (3), activity (4) or task (5)."""

    release = models.ForeignKey(PcfRelease, on_delete=models.PROTECT, related_name="elements")
    pcf_id = models.PositiveIntegerField(_("PCF ID"))
    hierarchy_id = models.CharField(_("hierarchy number"), max_length=40)
    name = models.CharField(_("name"), max_length=500)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    description = models.TextField(_("description"), blank=True)
    difference_index = models.CharField(_("difference index"), max_length=40, blank=True)
    change_details = models.TextField(_("change details"), blank=True)
    metrics_available = models.BooleanField(_("metrics available"), default=False)

    class Meta:
        ordering = ("release", "pcf_id")
        verbose_name = _("PCF element")
        constraints = [
            models.UniqueConstraint(fields=("release", "pcf_id"), name="pcf_element_id_unique"),
            models.UniqueConstraint(fields=("release", "hierarchy_id"), name="pcf_element_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.hierarchy_id} {self.name}"

    def audit_scope_path(self) -> str:
        return ""

    def audit_parent(self) -> models.Model | None:
        return None


class PcfMetric(AuditedModel):
    """A metric APQC defines for a PCF element; offered as a template for a process KPI."""

    release = models.ForeignKey(PcfRelease, on_delete=models.PROTECT, related_name="metrics")
    element = models.ForeignKey(PcfElement, on_delete=models.PROTECT, related_name="metrics")
    metric_id = models.CharField(_("metric ID"), max_length=40)
    category = models.CharField(_("category"), max_length=120)
    name = models.TextField(_("name"))
    formula = models.TextField(_("formula"), blank=True)
    units = models.CharField(_("units"), max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("element", "position")
        verbose_name = _("PCF metric")
        indexes = [models.Index(fields=("release", "metric_id"))]

    def __str__(self) -> str:
        return self.name

    def audit_scope_path(self) -> str:
        return ""

    def audit_parent(self) -> models.Model | None:
        return None
