"""BinderHub as a feature of a hub: image building next to JupyterHub, not a separate deployment."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.cluster import Cluster

from .charts import BINDERHUB_SERVICE, RELEASE
from .values import binderhub_values, launchable_images


@dataclass(frozen=True, kw_only=True)
class BinderHubArgs:
    namespace: pulumi.Input[str]
    cluster: Cluster


class BinderHub(pulumi.ComponentResource):
    """binderhub-service and the registry it pushes to, for one hub."""

    def __init__(self, name: str, args: BinderHubArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:BinderHub", name, None, opts)
        registry = args.cluster.image_registry(name, parent=self)
        self.release = k8s.helm.v3.Release(
            f"{name}-binderhub",
            name=RELEASE,
            namespace=args.namespace,
            chart=BINDERHUB_SERVICE.name,
            version=BINDERHUB_SERVICE.version,
            repository_opts={"repo": BINDERHUB_SERVICE.repository},
            values=binderhub_values(image_prefix=registry.image_prefix, server=registry.server,
                                    username=registry.username, password=registry.password),
            timeout=600,
            cleanup_on_fail=True,
            opts=pulumi.ResourceOptions(parent=self, provider=args.cluster.provider),
        )
        self.image_prefix = registry.image_prefix
        self.image_pattern = registry.image_prefix.apply(launchable_images)
        self.register_outputs({"image_prefix": self.image_prefix})
