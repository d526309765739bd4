from orbit.interop.models.exports import IatiExport
from orbit.interop.models.imports import ImportRun
from orbit.interop.models.links import IatiLink
from orbit.interop.models.uploads import IatiUpload

__all__ = ["IatiExport", "IatiLink", "IatiUpload", "ImportRun"]
