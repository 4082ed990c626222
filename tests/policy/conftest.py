import sys
from pathlib import Path

# The policy pack imports its modules as the Pulumi policy host runs it: from policy/.
POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
sys.path.insert(0, str(POLICY_DIR))
