from orbit.planning.models.activities import (
    Activity,
    ActivityStatus,
    ActivityType,
    ItuRegion,
    Milestone,
    RegionalInitiative,
)
from orbit.planning.models.budget import BudgetLine, ExchangeRate, FundingSource
from orbit.planning.models.updates import Evidence, ProgressUpdate

__all__ = [
    "Activity",
    "ActivityStatus",
    "ActivityType",
    "BudgetLine",
    "Evidence",
    "ExchangeRate",
    "FundingSource",
    "ItuRegion",
    "Milestone",
    "ProgressUpdate",
    "RegionalInitiative",
]
