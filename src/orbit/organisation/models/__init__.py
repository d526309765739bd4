from orbit.organisation.models.units import Membership, OrgUnit, Role, UnitType, code_validator

__all__ = ["Membership", "OrgUnit", "Role", "UnitType", "code_validator"]
