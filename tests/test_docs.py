"""The documentation index and the README: every page reachable, every link alive."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _links(page: Path) -> set[Path]:
    """The local files ``page`` links to (web links left out), resolved."""
    return {(page.parent / target).resolve() for target in _LINK.findall(page.read_text())
            if "://" not in target and not target.startswith("mailto:")}


def test_every_docs_page_is_in_the_index() -> None:
    index = _links(DOCS / "README.md")
    for page in DOCS.glob("*.md"):
        if page.name != "README.md":
            assert page.resolve() in index, f"docs/README.md does not list {page.name}"
    for folder in (p for p in DOCS.iterdir() if p.is_dir() and any(p.glob("*.md"))):
        assert (folder / "README.md").resolve() in index, f"docs/README.md lacks {folder.name}/"
        sub = _links(folder / "README.md")
        for page in folder.glob("*.md"):
            if page.name != "README.md":
                assert page.resolve() in sub, f"{folder.name}/README.md does not list {page.name}"


def test_links_in_the_readme_and_docs_point_at_files_that_exist() -> None:
    pages = [REPO / "README.md", *DOCS.rglob("*.md")]
    for page in pages:
        for target in _links(page):
            assert target.exists(), f"{page.relative_to(REPO)} links to a missing {target.name}"
