"""`.env.example` documents every variable the settings read, so an operator never has to read Python."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r'env(?:\.(?:int|bool|list|str|float|db))?\(\s*"([A-Z][A-Z0-9_]+)"')
DOCUMENTED = re.compile(r"^#? ?([A-Z][A-Z0-9_]+)=", re.MULTILINE)


def test_every_variable_the_settings_read_is_in_env_example():
    read = {name for path in (ROOT / "config" / "settings").glob("*.py") for name in READ.findall(path.read_text())}
    documented = set(DOCUMENTED.findall((ROOT / ".env.example").read_text()))

    assert "DATABASE_URL" in read and "TRUSTED_PROXY_COUNT" in read  # the pattern finds what it should
    assert sorted(read - documented) == []
