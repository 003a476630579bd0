"""Making documents: template context, rendering, Word XML helpers, spreadsheets, PDF, the default templates."""
