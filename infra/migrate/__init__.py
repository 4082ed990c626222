"""Migration helpers that need no cloud: the network route to the old homes, and user-name mapping."""
