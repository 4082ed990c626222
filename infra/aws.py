"""The aws stack: an account provider with a budget, an EKS cluster and EFS-backed DaskHubs."""

from components.cluster.eks import EksCluster, EksClusterArgs
from components.credit_project.aws import AwsCreditProject, AwsCreditProjectArgs
from components.nfs_home.efs import EfsHome, EfsHomeArgs
from infra.config import StackConfig

from .hubs import declare_hubs, hub_outputs, migration_outputs
from .monitoring import declare_monitoring, grafana_routes, monitoring_outputs


def build(config: StackConfig) -> dict:
    cloud = config.cloud
    credits = AwsCreditProject(config.cluster.name, AwsCreditProjectArgs(
        credits=config.credits, region=cloud.region, ci=config.ci))
    # Components take the account provider for their AWS children; no depends_on, so
    # nothing waits on the budget.
    on_account = credits.provider_opts
    cluster = EksCluster(config.cluster.name, EksClusterArgs(
        config=config.cluster, cloud=cloud, ci_deployer=credits.ci.get("deploy_role_arn"),
        ci_previewer=credits.ci.get("preview_role_arn")), opts=on_account)

    def efs(name, hub, namespace, legacy_stopped):
        return EfsHome(
            name,
            EfsHomeArgs(namespace=namespace, k8s_provider=cluster.provider, migration=hub.migration,
                        legacy_stopped=legacy_stopped, cluster=cluster),
            opts=on_account,
        )

    # Nothing to adopt: Pangeo's old AWS account is not migrated (config rejects a `legacy` deployment).
    hubs = declare_hubs(config, cluster, efs, on_account, grafana_routes(config))
    monitoring = declare_monitoring(config, cluster, {n: h for n, (h, _) in hubs.items()}, on_account)
    return {
        "kubeconfig": cluster.kubeconfig,
        "hubs": hub_outputs(hubs),
        "migration": migration_outputs(config, hubs),
        **monitoring_outputs(monitoring),
        # The workflows' AWS_ROLE_ARN, per environment (docs/review.md).
        **({"ci": credits.ci} if credits.ci else {}),
    }
