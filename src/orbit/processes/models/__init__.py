from orbit.processes.models.assessment import Assessment, AssessmentRound
from orbit.processes.models.capture import Submission
from orbit.processes.models.dictionaries import ExternalParty, ItSystem, ProcessRole, RecordType
from orbit.processes.models.imports import BpmnUpload
from orbit.processes.models.inventory import (
    ChangeAuthority,
    ChangeWindow,
    Dependency,
    DependencyKind,
    Digitisation,
    Level,
    Nature,
    Process,
    ProcessIndicator,
    ProcessParticipant,
    Raci,
    StrategicImpact,
    TransformationStatus,
)
from orbit.processes.models.reference import PcfElement, PcfMetric, PcfRelease

__all__ = [
    "Assessment",
    "AssessmentRound",
    "BpmnUpload",
    "ChangeAuthority",
    "ChangeWindow",
    "Dependency",
    "DependencyKind",
    "Digitisation",
    "ExternalParty",
    "ItSystem",
    "Level",
    "Nature",
    "PcfElement",
    "PcfMetric",
    "PcfRelease",
    "Process",
    "ProcessIndicator",
    "ProcessParticipant",
    "ProcessRole",
    "Raci",
    "RecordType",
    "StrategicImpact",
    "Submission",
    "TransformationStatus",
]
