"""Importing a firm's existing fiches (text exports, Word files) into library YAML."""
