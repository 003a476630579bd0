"""dossier — références de missions en YAML → documents Word d'une candidature."""

__version__ = "0.1.0"
