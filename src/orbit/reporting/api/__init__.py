"""The reporting context's REST API."""
