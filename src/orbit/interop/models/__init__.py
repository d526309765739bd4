from orbit.interop.models.imports import ImportRun
from orbit.interop.models.links import IatiLink

__all__ = ["IatiLink", "ImportRun"]
