"""How far a hub's move off the old deployment has got: shared by the old side (legacy) and the new homes (nfs_home)."""

from typing import Literal

# One reviewed update per step: a hub moves through these in order.
PHASES = ("none", "sync", "cutover", "decommission")
Phase = Literal["none", "sync", "cutover", "decommission"]
