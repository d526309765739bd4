"""Results reports for governing bodies: one report model rendered as HTML, PDF, Word and Excel."""
