"""The GitHub Actions identities of an AWS stack: the account trusts GitHub's OIDC
issuer, and one role per job may be assumed only by this repository's jobs in that
job's GitHub environment.

`aws-actions/configure-aws-credentials` calls AssumeRoleWithWebIdentity with the job's
token (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services);
no access key is ever created.
"""

import json

import pulumi
import pulumi_aws as aws

from .args import CiConfig


GITHUB_ISSUER = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
# GitHub's certificate thumbprints. IAM no longer checks them for GitHub's issuer (it
# trusts the issuer's certificate through its own CA library), but the API still takes
# a list (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html;
# https://github.blog/changelog/2023-06-27-github-actions-update-on-oidc-integration-with-aws/).
GITHUB_THUMBPRINTS = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
_POLICY = "arn:aws:iam::aws:policy/"
# Preview reads the account (`pulumi preview` declares, it never writes). Deploy makes
# and changes everything the stack holds, IAM roles and OIDC providers included (EKS,
# VPC, EFS, IRSA roles, budgets), so it is administrator; what guards it is that only
# the deploy environment, with required reviewers and `main` as its only branch, can
# assume it. The state bucket and secrets key are in the same account with the key's
# default policy (infra/bootstrap/aws.py), so AdministratorAccess covers them.
MANAGED_POLICIES = {"preview": _POLICY + "ReadOnlyAccess", "deploy": _POLICY + "AdministratorAccess"}


def role_names(cluster: str) -> dict[str, str]:
    """Fixed names, so the ARNs are known before the first update; at most 40 characters
    (cluster.name is at most 30; IAM takes 64, https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html)."""
    return {"preview": f"{cluster}-ci-preview", "deploy": f"{cluster}-ci-deploy"}


def trust_policy(provider_arn: str, repository: str, environment: str) -> str:
    """Only a token GitHub issued for AWS, for a job of `repository` in `environment`:
    the `sub` claim is `repo:OWNER/NAME:environment:ENV` for a job with an environment
    (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims)."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "GitHubEnvironment",
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                f"{GITHUB_ISSUER}:aud": AUDIENCE,
                f"{GITHUB_ISSUER}:sub": f"repo:{repository}:environment:{environment}",
            }},
        }],
    }, sort_keys=True)


def key_statement(secrets_key: str, region: str, account_id: str) -> dict:
    """`kms:Decrypt` on the secrets key, named by ARN or by alias. Decrypt requests name
    the key, not the alias, so an alias is matched with kms:ResourceAliases
    (https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html)."""
    statement = {"Sid": "StateSecretsKey", "Effect": "Allow", "Action": "kms:Decrypt"}
    if secrets_key.startswith("arn:"):
        return {**statement, "Resource": secrets_key}
    return {**statement, "Resource": f"arn:aws:kms:{region}:{account_id}:key/*",
            "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": secrets_key}}}


def preview_policy(bucket: str, secrets_key: str, region: str, account_id: str) -> str:
    """Read the stack's state and decrypt its secrets, and no other object's contents.

    `pulumi preview` neither locks the stack nor writes state or history (pulumi/pulumi
    pkg/backend/diy/backend.go: Preview runs apply with DryRun and no Lock). The bucket is
    SSE-KMS with the same key, so reading state also needs kms:Decrypt; and the secrets
    manager only decrypts the stack's data key (pkg/secrets/cloud/manager.go). The deny
    keeps ReadOnlyAccess's s3:GetObject off every other bucket (users' scratch data).
    """
    state = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadState", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": state},
            key_statement(secrets_key, region, account_id),
            {"Sid": "NoOtherObjectData", "Effect": "Deny", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
             "NotResource": state[1]},
        ],
    }, sort_keys=True)


def oidc_issuer(url: str) -> str:
    """An OIDC provider's issuer as IAM keeps it: its URL without the scheme (GetOpenIDConnectProvider's
    Url) and without a closing slash, which names the same issuer."""
    return url.removeprefix("https://").rstrip("/")


class UnusableGithubProvider(ValueError):
    """The account has no OIDC provider for GitHub's issuer that the CI roles could trust."""


def existing_provider_problem(url: str, client_ids: list[str]) -> str | None:
    """Why the account's provider, as IAM describes it, can't be the roles' trust, or None.

    IAM hands a provider's URL back without its scheme. AssumeRoleWithWebIdentity accepts a
    token only if its `aud` is one of the provider's client ids ("audiences",
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html),
    and configure-aws-credentials asks GitHub for a token with `aud` sts.amazonaws.com, which
    trust_policy also requires: without it every CI job's assume fails."""
    issuer = oidc_issuer(url)
    if issuer != GITHUB_ISSUER:
        return f"the account's provider found for GitHub is for {issuer!r}, not {GITHUB_ISSUER}"
    if AUDIENCE not in client_ids:
        return (f"the account's provider for {GITHUB_ISSUER} has the audiences {sorted(client_ids)}, without "
                f"{AUDIENCE}: add it (aws iam add-client-id-to-open-id-connect-provider), or the CI roles' "
                "tokens are refused")
    return None


def github_provider_arn(name: str, ci: CiConfig, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
    """The account's OIDC provider for GitHub's issuer: made here, or (`existing`) looked up by URL.

    An account holds one provider per issuer URL: CreateOpenIDConnectProvider answers
    EntityAlreadyExists for a second (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html),
    so a second stack in the account, or an account whose other workflows already trust
    GitHub, uses the one it has. The lookup is made before the roles are declared, and raises
    UnusableGithubProvider when there is none or its URL or audiences won't do.
    """
    url = f"https://{GITHUB_ISSUER}"
    if ci.github_oidc_provider == "existing":
        # Through the stack's provider: the default one would look in whatever account the shell is in.
        try:
            found = aws.iam.get_open_id_connect_provider(
                url=url, opts=pulumi.InvokeOptions(parent=opts.parent, provider=opts.provider))
        except Exception as error:  # the data source's own words: not found, or access denied
            raise UnusableGithubProvider(f"looking up the account's provider for {url} failed ({error}); if the "
                                         "account has none, leave ci.github_oidc_provider unset to create it") from None
        if problem := existing_provider_problem(found.url, found.client_id_lists):
            raise UnusableGithubProvider(problem)
        return pulumi.Output.from_input(found.arn)
    return aws.iam.OpenIdConnectProvider(
        f"{name}-github", url=url, client_id_lists=[AUDIENCE], thumbprint_lists=GITHUB_THUMBPRINTS, opts=opts,
    ).arn


def declare_ci(name: str, ci: CiConfig, region: str, account_id: pulumi.Input[str],
               opts: pulumi.ResourceOptions) -> dict[str, pulumi.Output[str]]:
    """The OIDC provider (unless the account has it) and the two roles; returns their ARNs for the
    workflows' AWS_ROLE_ARN."""
    provider_arn = github_provider_arn(name, ci, opts)
    environments = {"preview": ci.environments.preview, "deploy": ci.environments.deploy}
    outputs = {}
    for job, role_name in role_names(name).items():
        role = aws.iam.Role(
            f"{name}-ci-{job}", name=role_name, description=f"GitHub Actions {job} of {ci.repository}",
            assume_role_policy=provider_arn.apply(lambda arn, env=environments[job]: trust_policy(arn, ci.repository, env)),
            opts=opts,
        )
        aws.iam.RolePolicyAttachment(f"{name}-ci-{job}", role=role.name, policy_arn=MANAGED_POLICIES[job], opts=opts)
        if job == "preview":
            aws.iam.RolePolicy(
                f"{name}-ci-preview-state", role=role.name,
                policy=pulumi.Output.from_input(account_id).apply(
                    lambda account: preview_policy(ci.state_bucket, ci.secrets_key, region, account)),
                opts=opts,
            )
        outputs[f"{job}_role_arn"] = role.arn
    return outputs
