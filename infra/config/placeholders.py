"""Stand-ins for identities the stack can't know: valid in form, refused by the cloud on the first `up`.

The shipped stack files name the operators' AWS role and the GCP project that
holds the state and key with placeholders, so the offline plan runs before anyone
has either. The cloud accepts neither: an EKS access entry for a role in an
account that is not yours fails, and every Kubernetes resource waits on it. So
under the engine (`pulumi preview` and `pulumi up`) each placeholder is a config
error that says what to put there; the offline plan lists them instead
(infra/plan/run.py), and `make plan` prints them.

Placeholders are recognised by form, wherever in the config they are:
- an ARN in an account AWS's own documentation uses;
- a GCP resource name whose project is an upper-case word, as Google's docs write
  placeholders (https://developers.google.com/style/placeholders). A project ID is
  6 to 30 lowercase letters, digits and hyphens
  (https://cloud.google.com/resource-manager/docs/creating-managing-projects), so no
  real project looks like that.
"""

import re
from typing import Any


# Account IDs of AWS's documentation examples: 123456789012 (Account Management's
# "View AWS account identifiers", https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html),
# 111122223333, 444455556666 and 777788889999 (the IAM User Guide's cross-account
# examples, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
DOCUMENTATION_ACCOUNTS = frozenset({"123456789012", "111122223333", "444455556666", "777788889999"})
_ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:([0-9]{12}):")
# `projects/ADMIN_PROJECT/...`: the README's own name for the project of the state and key.
PLACEHOLDER_PROJECT = r"[A-Z][A-Z0-9_]*"
_GCP_PROJECT = re.compile(rf"(?:^|/)projects/({PLACEHOLDER_PROJECT})(?:/|$)")

# What to put in place of the placeholder, by the key that holds it (its path without list indexes).
WHAT_TO_PUT = {
    "cluster.admins": "the ARN of the IAM role you run `pulumi up` with (docs/first-up.md, Who runs it)",
    "ci.secrets_key": "the key of `pulumi stack init --secrets-provider` (README, Run it for real)",
}
_ELSEWHERE = "the real one"


def placeholder_problems(node: Any, path: str = "") -> list[tuple[str, str]]:
    """(key path, problem) for each placeholder in a config tree (StackConfig.model_dump())."""
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in placeholder_problems(value, f"{path}.{key}" if path else key)]
    if isinstance(node, (list, tuple)):
        return [p for i, value in enumerate(node) for p in placeholder_problems(value, f"{path}.{i}")]
    if not isinstance(node, str):  # a SecretStr is not one: secrets are never placeholders here
        return []
    where = WHAT_TO_PUT.get(re.sub(r"\.[0-9]+(?=\.|$)", "", path), _ELSEWHERE)
    problems = []
    for account in _ARN_ACCOUNT.findall(node):
        if account in DOCUMENTATION_ACCOUNTS:
            problems.append((path, f"{node!r} is in {account}, an account of AWS's documentation examples, "
                                   f"not yours; put {where} there"))
    for project in _GCP_PROJECT.findall(node):
        problems.append((path, f"{node!r} names the placeholder project {project}; put {where} there"))
    return problems
