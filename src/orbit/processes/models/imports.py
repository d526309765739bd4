"""An upload of BPMN files: kept with its preview until an analyst applies it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orbit.governance.models import AuditedModel
from orbit.organisation.models import OrgUnit


class BpmnUpload(AuditedModel):
    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        APPLIED = "applied", _("Applied")
        REFUSED = "refused", _("Refused")

    owner_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner of new processes")
    )
    #: ``[{"name": ..., "sha256": ..., "size": ..., "path": storage name}]``
    files = models.JSONField(_("files"), default=list)
    #: The preview (or the refusal) as shown to the analyst.
    report = models.JSONField(_("report"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("BPMN upload")

    def __str__(self) -> str:
        return ", ".join(f["name"] for f in self.files)

    def audit_scope_path(self) -> str:
        return self.owner_unit.path
