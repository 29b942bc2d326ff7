"""Training: models that analyzers load, built reproducibly from ../shared/data by a command."""
