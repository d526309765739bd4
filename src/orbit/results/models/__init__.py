from orbit.results.models.frameworks import Framework, NodeLink, ResultNode
from orbit.results.models.indicators import (
    ActualValue,
    Dimension,
    Indicator,
    Target,
)
from orbit.results.models.locks import PeriodLock

__all__ = ["ActualValue", "Dimension", "Framework", "Indicator", "NodeLink", "PeriodLock", "ResultNode", "Target"]
