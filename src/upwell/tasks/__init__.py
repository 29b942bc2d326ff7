"""Jobs: thin functions over the library that run in-process (and later under workers)."""
