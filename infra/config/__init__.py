"""The stack config: one pydantic model tree for the `pangeo-hubs:` namespace."""

from .cluster import AwsCloud, ClusterConfig, GcpCloud, NodePool
from .credits import CreditsConfig
from .hubs import HubConfig, Profile
from .load import NAMESPACE, ConfigError, parse_stack_config, read_stack_file, set_key
from .stack import StackConfig

__all__ = [
    "NAMESPACE", "AwsCloud", "ClusterConfig", "ConfigError", "CreditsConfig", "GcpCloud",
    "HubConfig", "NodePool", "Profile", "StackConfig", "parse_stack_config", "read_stack_file", "set_key",
]
