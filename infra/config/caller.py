"""Whoever runs an update on EKS must be one of the cluster's admins by config.

The cluster grants access by access entry only (`bootstrap_cluster_creator_admin_permissions:
false`, components/cluster/eks.py), so an identity that cluster.admins does not name
gets none, not even the one that created the cluster: the Kubernetes provider then
finds the cluster unreachable and every Kubernetes resource of the update fails,
after the cluster itself took ten minutes. Checked when the update starts, with the
caller as the stack's own account provider sees it (docs/first-up.md).
"""

from components.credit_project.aws_ci import role_names


def caller_problems(issuer_arn: str, account_id: str, admins: list[str], cluster: str, *, ci: bool,
                    dry_run: bool) -> list[tuple[str, str]]:
    """(key path, problem) when `issuer_arn` (the caller's IAM role or user, aws.iam.get_session_context)
    gets no cluster access. With `ci`, the CI deploy role has its own admin entry, and in a
    preview the CI preview role its read-only one."""
    allowed = set(admins)
    if ci:
        partition, names = issuer_arn.split(":")[1], role_names(cluster)
        jobs = ("deploy", "preview") if dry_run else ("deploy",)
        allowed |= {f"arn:{partition}:iam::{account_id}:role/{names[job]}" for job in jobs}
    if issuer_arn in allowed:
        return []
    return [("cluster.admins", f"does not name {issuer_arn}, which runs this update: it would get no access to "
                               "the cluster and every Kubernetes resource would fail; add it (docs/first-up.md)")]
