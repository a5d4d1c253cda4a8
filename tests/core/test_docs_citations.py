"""The repository explains itself (docs/README.md): code cites pages of docs/ that
exist, and no file outside docs/ cites a document that is not in the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = {".py", ".html", ".md", ".toml", ".txt", ".cfg", ".yml", ".service"}
SKIPPED = {".venv", ".git", "node_modules", "vendor", "migrations", "locale", "var"}
OUTSIDE = re.compile(r"\bSPEC\b|\bARCHITECTURE\b|§|\b[Ii]ssue #?\d+")
CITED_PAGE = re.compile(r"docs/([a-z_-]+\.md)")
THIS_FILE = Path(__file__).resolve()


def project_files():
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_file() and path.suffix in SUFFIXES and not parts & SKIPPED:
            yield path


def test_no_file_outside_docs_cites_a_document_outside_the_repository():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}"
        for path in project_files()
        if path.relative_to(ROOT).parts[0] != "docs" and path != THIS_FILE
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert found == []


def test_every_cited_docs_page_exists():
    pages = {path.name for path in (ROOT / "docs").glob("*.md")}
    missing = sorted(
        f"{path.relative_to(ROOT)} cites docs/{page}"
        for path in project_files()
        for page in CITED_PAGE.findall(path.read_text(errors="replace"))
        if page not in pages
    )
    assert missing == []


def test_the_docs_index_lists_every_page():
    index = (ROOT / "docs" / "README.md").read_text()
    pages = {path.name for path in (ROOT / "docs").glob("*.md")} - {"README.md"}
    assert sorted(page for page in pages if f"({page})" not in index) == []
