"""The stack config: one pydantic model tree for the `pangeo-hubs:` namespace.

The components own their arguments (components/*/args.py); this package composes
them into the stack's schema and adds the rules that hold across them.
"""

from components.cluster.args import AwsCloud, ClusterConfig, GcpCloud, NodePool
from components.credit_project.args import CreditsConfig

from .hubs import HubConfig, Profile
from .load import NAMESPACE, ConfigError, parse_stack_config, read_stack_file, set_key
from .stack import StackConfig

__all__ = [
    "NAMESPACE", "AwsCloud", "ClusterConfig", "ConfigError", "CreditsConfig", "GcpCloud",
    "HubConfig", "NodePool", "Profile", "StackConfig", "parse_stack_config", "read_stack_file", "set_key",
]
