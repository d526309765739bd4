from orbit.reporting.models.runs import ReportFormat, ReportRun

__all__ = ["ReportFormat", "ReportRun"]
