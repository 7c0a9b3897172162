"""Runtime programs: the built-ins and the registry of uploaded ones."""
