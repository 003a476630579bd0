"""Reading the library: strict YAML, the schema, loading with every problem collected, checks, the bid file, new files."""
