"""The interoperability context's REST API."""
