"""Quality measures: insights against a simulation, analyzers against human labels."""
