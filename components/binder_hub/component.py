"""BinderHub as a feature of a hub: image building next to JupyterHub, not a separate deployment."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.cluster import Cluster

from .charts import BINDERHUB_SERVICE, RELEASE, SERVICE_NAME
from .values import binderhub_values, hub_service, launchable_images


@dataclass(frozen=True, kw_only=True)
class BinderHubArgs:
    namespace: pulumi.Input[str]
    cluster: Cluster
    domain: str


@dataclass(frozen=True)
class BinderService:
    """What the hub needs of its binder: the service entry to register and the images it may launch."""

    name: str
    hub_service: dict
    image_pattern: pulumi.Output[str]


class BinderHub(pulumi.ComponentResource):
    """binderhub-service, the registry it pushes to and its hub API token, for one hub."""

    def __init__(self, name: str, args: BinderHubArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:BinderHub", name, None, opts)
        registry = args.cluster.image_registry(name, parent=self)
        api_token = random.RandomBytes(
            f"{name}-binder-token", length=32, opts=pulumi.ResourceOptions(parent=self)
        ).hex
        self.release = k8s.helm.v3.Release(
            f"{name}-binderhub",
            name=RELEASE,
            namespace=args.namespace,
            chart=BINDERHUB_SERVICE.name,
            version=BINDERHUB_SERVICE.version,
            repository_opts={"repo": BINDERHUB_SERVICE.repository},
            values=binderhub_values(domain=args.domain, api_token=api_token, image_prefix=registry.image_prefix,
                                    server=registry.server, username=registry.username, password=registry.password),
            timeout=600,
            cleanup_on_fail=True,
            opts=pulumi.ResourceOptions(parent=self, provider=args.cluster.provider),
        )
        self.image_prefix = registry.image_prefix
        self.service = BinderService(
            name=SERVICE_NAME,
            hub_service=hub_service(domain=args.domain, api_token=api_token),
            image_pattern=registry.image_prefix.apply(launchable_images),
        )
        self.register_outputs({"image_prefix": self.image_prefix})
