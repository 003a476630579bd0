"""Reading the library: strict YAML, the schema, one validation of a file against its model, loading with every problem collected, checks, the concept table, the bid file, new files."""
