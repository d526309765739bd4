from orbit.organisation.models.units import Membership, OrgUnit, Role, UnitType

__all__ = ["Membership", "OrgUnit", "Role", "UnitType"]
