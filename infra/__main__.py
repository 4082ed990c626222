"""Entry point for `pulumi up`: Pulumi.yaml's `main: infra/` runs this file."""

import sys
from pathlib import Path

# Pulumi runs this file by path; the repository root must be importable for
# `infra` and `components`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.program import main  # noqa: E402

main()
