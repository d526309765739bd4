from orbit.governance.models.audit import AuditChainHead, AuditEvent
from orbit.governance.models.base import AuditedModel, AuditedQuerySet

__all__ = ["AuditChainHead", "AuditEvent", "AuditedModel", "AuditedQuerySet"]
