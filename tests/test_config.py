"""Settings: every field documented, secrets without usable defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from upwell.config import Settings
from upwell.errors import ConfigError
from upwell.store.keys import key_provider
from upwell.testing import open_store

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_setting_has_a_description_and_a_doc_row() -> None:
    doc = DOC.read_text()
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert len(field.description) > 20, name
        assert f"| `{name}` | `UPWELL_{name.upper()}` |" in doc, f"{name} missing from {DOC.name}"


def test_env_key_provider_has_no_usable_default(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        key_provider(Settings(home=tmp_path, key_provider="env"))
    with pytest.raises(ConfigError):
        key_provider(Settings(home=tmp_path, key_provider="env", kek="not base64!"))


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    key_provider(Settings(home=tmp_path))
    (tmp_path / "keys" / "kek.key").chmod(0o644)
    with pytest.raises(ConfigError):
        key_provider(Settings(home=tmp_path))


def test_settings_read_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UPWELL_HOME", str(tmp_path))
    monkeypatch.setenv("UPWELL_IMPORT_WORKERS", "0")
    s = Settings()
    assert s.home == tmp_path
    assert s.import_workers == 0
    assert s.resolved_database_url() == f"sqlite:///{tmp_path / 'upwell.db'}"


def test_sqlite_store_is_owner_only(tmp_path: Path) -> None:
    store = open_store(tmp_path / "home")
    store.open_member("me")
    store.close()
    assert (tmp_path / "home" / "upwell.db").stat().st_mode & 0o777 == 0o600
