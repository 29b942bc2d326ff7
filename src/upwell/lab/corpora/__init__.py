"""Public corpora turned into what a member would import (test data, not product)."""
