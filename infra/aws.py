"""The aws stack: an account provider with a budget, an EKS cluster and EFS-backed DaskHubs."""

import pulumi
import pulumi_aws as aws

from components.cluster.eks import EksCluster, EksClusterArgs
from components.credit_project.aws import AwsCreditProject, AwsCreditProjectArgs
from components.credit_project.aws_ci import UnusableGithubProvider
from components.monitoring import HOME_USAGE_SCRAPER
from components.nfs_home.efs import EfsHome, EfsHomeArgs
from infra.config import NAMESPACE, ConfigError, StackConfig
from infra.config.caller import caller_problems

from .hubs import declare_hubs, hub_outputs, migration_outputs
from .monitoring import declare_monitoring, grafana_routes, monitoring_outputs


def build(config: StackConfig, *, check_caller: bool = True) -> dict:
    """The stack; `check_caller` (off in the offline plan, whose caller is the mocks') first
    refuses an update by an identity the cluster would not let in (infra/config/caller.py)."""
    cloud = config.cloud
    try:
        credits = AwsCreditProject(config.cluster.name, AwsCreditProjectArgs(
            credits=config.credits, region=cloud.region, ci=config.ci))
    except UnusableGithubProvider as error:
        raise ConfigError([f"{NAMESPACE}:ci.github_oidc_provider: is existing, but {error}"]) from None
    if check_caller:
        refuse_outsider(config, credits.provider)
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
                        legacy_stopped=legacy_stopped, cluster=cluster, usage_scraper=HOME_USAGE_SCRAPER),
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


def refuse_outsider(config: StackConfig, provider: aws.Provider) -> None:
    """Raises ConfigError, before the cluster is declared, when the identity running the update
    is not among those given cluster access. Through the stack's provider: the default one
    would ask as whatever the shell's AWS profile is."""
    on_account = pulumi.InvokeOptions(provider=provider)
    caller = aws.get_caller_identity(opts=on_account)
    issuer = aws.iam.get_session_context(arn=caller.arn, opts=on_account).issuer_arn
    problems = caller_problems(issuer, caller.account_id, config.cluster.admins, config.cluster.name,
                               ci=config.ci is not None, dry_run=pulumi.runtime.is_dry_run())
    if problems:
        raise ConfigError([f"{NAMESPACE}:{path}: {problem}" for path, problem in problems])
