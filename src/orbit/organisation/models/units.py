"""Organisational units as a tree, and the roles users hold on them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orbit.core.fields import TranslatedTextField
from orbit.governance.models import AuditedModel


class UnitType(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    BUREAU = "bureau", _("Bureau")
    DEPARTMENT = "department", _("Department")
    DIVISION = "division", _("Division")
    REGIONAL_OFFICE = "regional_office", _("Regional office")
    AREA_OFFICE = "area_office", _("Area office")
    PARTNER = "partner", _("Partner")


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    CONTRIBUTOR = "contributor", _("Contributor")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")
    AUDITOR = "auditor", _("Auditor (global)")


code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$",
    _("Use 1-32 letters, digits, dots, hyphens or underscores, starting with a letter or digit."),
)


class OrgUnit(AuditedModel):
    """A unit of the organisation: the ITU, a bureau, a department, a regional or area office, a partner."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = TranslatedTextField(_("name"), max_length=300)
    type = models.CharField(_("type"), max_length=20, choices=UnitType.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    #: Materialised path of primary keys, ``/1/4/9/``; maintained by the services.
    path = models.CharField(max_length=255, db_index=True, editable=False, blank=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    region = models.CharField(_("ITU region"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country (ISO 3166-1 alpha-2)"), max_length=2, blank=True)
    source = models.TextField(_("source"), blank=True, help_text=_("Where the facts about this unit come from."))
    is_sample = models.BooleanField(
        _("sample data"), default=False, help_text=_("Illustrative data, not a fact about the organisation.")
    )

    audit_exclude = (*AuditedModel.audit_exclude, "path", "depth")

    class Meta:
        ordering = ("path",)
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def clean(self) -> None:
        if self.country and not (len(self.country) == 2 and self.country.isalpha() and self.country.isupper()):
            raise ValidationError({"country": _("Use the two-letter ISO 3166-1 code in capitals, e.g. ET.")})
        if self.parent_id is None and self.type != UnitType.ORGANISATION:
            raise ValidationError({"parent": _("Only an organisation may be a top-level unit.")})

    def audit_label(self) -> str:
        return str(self)[:200]

    def audit_scope_path(self) -> str:
        return self.path

    def audit_parent(self) -> models.Model | None:
        return self.parent


class Membership(AuditedModel):
    """A role a user holds on a unit (and so on its descendants); ``auditor`` is global and has no unit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("user")
    )
    unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("unit"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        ordering = ("unit__path", "user__username")
        constraints = [
            models.UniqueConstraint(
                fields=("user", "unit"),
                condition=Q(archived_at__isnull=True, unit__isnull=False),
                name="membership_one_active_role_per_unit",
                violation_error_message=_("This user already has a role on this unit."),
            ),
            models.UniqueConstraint(
                fields=("user",),
                condition=Q(archived_at__isnull=True, unit__isnull=True),
                name="membership_one_active_global_role",
                violation_error_message=_("This user is already a global auditor."),
            ),
            models.CheckConstraint(
                condition=(Q(role="auditor", unit__isnull=True) | (~Q(role="auditor") & Q(unit__isnull=False))),
                name="membership_auditor_is_global",
                violation_error_message=_("The auditor role is global; every other role needs a unit."),
            ),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        where = self.unit.code if self.unit is not None else "all units"
        return f"{self.user.get_username()} — {self.role} — {where}"

    def audit_scope_path(self) -> str:
        return self.unit.path if self.unit is not None else ""

    def audit_parent(self) -> models.Model | None:
        return self.unit
