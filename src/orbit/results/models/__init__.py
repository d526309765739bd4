from orbit.results.models.frameworks import Framework, NodeLink, ResultNode
from orbit.results.models.indicators import (
    ActualValue,
    Dimension,
    Indicator,
    Target,
)

__all__ = ["ActualValue", "Dimension", "Framework", "Indicator", "NodeLink", "ResultNode", "Target"]
