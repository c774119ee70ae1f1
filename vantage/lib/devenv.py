"""Write a development ``.env`` once: fresh random keys, DEBUG on. Never prints the keys.

Run as ``python -m vantage.lib.devenv`` (by ``make run``) before Django loads its settings.
"""

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

TEMPLATE = """# Written once by `make run` for local development. Git-ignored: never commit it.
DEBUG=true
SECRET_KEY={secret_key}
FIELD_ENCRYPTION_KEY={field_key}
"""


def ensure_env(path: Path) -> bool:
    """Create ``path`` if missing; return True when it was created."""
    if path.exists():
        return False
    path.write_text(TEMPLATE.format(secret_key=secrets.token_urlsafe(50), field_key=Fernet.generate_key().decode()))
    path.chmod(0o600)
    return True


def main(argv=None):
    argv = argv if argv is not None else sys.argv[1:]
    path = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / ".env"
    if ensure_env(path):
        print(f"Wrote development settings with new random keys to {path} (git-ignored).")


if __name__ == "__main__":
    main()
