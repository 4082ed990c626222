"""The old hub's Deployments, scaled down at cutover through the old cluster's API."""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

DEPLOYMENTS = ("hub", "proxy")


@dataclass(frozen=True, kw_only=True)
class LegacyHubArgs:
    namespace: str
    kubeconfig: pulumi.Input[str] | None  # of the old cluster; needed when replicas is set
    # 0 stops the old hub (cutover), 1 starts it again (a rolled-back cutover); None leaves it alone.
    replicas: int | None


class LegacyHub(pulumi.ComponentResource):
    """Server-side-apply patches of the old hub's replicas, so it stops taking work."""

    def __init__(self, name: str, args: LegacyHubArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:LegacyHub", name, None, opts)
        replicas = args.replicas
        self.patches: list[k8s.apps.v1.DeploymentPatch] = []
        if replicas is not None:
            provider = k8s.Provider(
                f"{name}-legacy-k8s",
                kubeconfig=pulumi.Output.secret(args.kubeconfig),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.patches = [
                k8s.apps.v1.DeploymentPatch(
                    f"{name}-legacy-{deployment}",
                    metadata={
                        "name": deployment,
                        "namespace": args.namespace,
                        # Take the replicas field from whoever manages it (helm) for this apply.
                        "annotations": {"pulumi.com/patchForce": "true"},
                    },
                    spec={"replicas": replicas},
                    # Dropping a patch must never touch the old cluster: at decommission
                    # it may already be gone, and a stopped hub should stay stopped.
                    opts=pulumi.ResourceOptions(parent=self, provider=provider, retain_on_delete=True),
                )
                for deployment in DEPLOYMENTS
            ]
        self.register_outputs({"replicas": replicas})
