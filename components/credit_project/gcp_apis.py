"""Which Google API each resource type the components declare calls, with where that is documented.

A resource whose API is not enabled in the project its request is billed to fails
with SERVICE_DISABLED (403) on the first `pulumi up`, after everything before it
was created. The credit project's provider bills every request to the stack's
project (`user_project_override`, `billing_project`), so each API below must be in
gcp.SERVICES; infra/plan/checks.py checks every plan against both.
"""

_IAM_API = "https://cloud.google.com/iam/docs/reference/rest"
# GitHub's token is exchanged at sts.googleapis.com, then the service account is
# impersonated through iamcredentials.googleapis.com: "Enable the IAM, Resource
# Manager, Service Account Credentials, and Security Token Service APIs".
_WIF = "https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines#prepare"

# resource type -> (the APIs it calls, where the API of that type is documented)
TYPE_APIS: dict[str, tuple[tuple[str, ...], str]] = {
    "gcp:artifactregistry/repository:Repository": (
        ("artifactregistry",), "https://cloud.google.com/artifact-registry/docs/reference/rest"),
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": (
        ("artifactregistry",), "https://cloud.google.com/artifact-registry/docs/reference/rest (repositories.setIamPolicy)"),
    # Billing-account IAM is the Cloud Billing API's billingAccounts.setIamPolicy, billed to the quota project.
    "gcp:billing/accountIamMember:AccountIamMember": (
        ("cloudbilling",), "https://cloud.google.com/billing/docs/reference/rest/v1/billingAccounts/setIamPolicy"),
    "gcp:billing/budget:Budget": (
        ("billingbudgets",), "https://cloud.google.com/billing/docs/how-to/budget-api-overview"),
    "gcp:compute/address:Address": (("compute",), "https://cloud.google.com/compute/docs/reference/rest/v1/addresses"),
    "gcp:compute/firewall:Firewall": (("compute",), "https://cloud.google.com/compute/docs/reference/rest/v1/firewalls"),
    "gcp:compute/network:Network": (("compute",), "https://cloud.google.com/compute/docs/reference/rest/v1/networks"),
    "gcp:compute/networkPeering:NetworkPeering": (
        ("compute",), "https://cloud.google.com/compute/docs/reference/rest/v1/networks/addPeering"),
    "gcp:compute/subnetwork:Subnetwork": (
        ("compute",), "https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks"),
    "gcp:container/cluster:Cluster": (
        ("container",), "https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters"),
    "gcp:container/nodePool:NodePool": (
        ("container",),
        "https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools"),
    "gcp:dns/recordSet:RecordSet": (("dns",), "https://cloud.google.com/dns/docs/reference/rest/v1/resourceRecordSets"),
    "gcp:filestore/backup:Backup": (
        ("file",), "https://cloud.google.com/filestore/docs/reference/rest/v1/projects.locations.backups"),
    "gcp:filestore/instance:Instance": (
        ("file",), "https://cloud.google.com/filestore/docs/reference/rest/v1/projects.locations.instances"),
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": (("iam", "sts", "iamcredentials"), _WIF),
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": (("iam", "sts", "iamcredentials"), _WIF),
    # The key is in the admin project, but the request is billed to the stack's project.
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": (
        ("cloudkms",), "https://cloud.google.com/kms/docs/reference/rest/v1/projects.locations.keyRings.cryptoKeys/setIamPolicy"),
    "gcp:monitoring/notificationChannel:NotificationChannel": (
        ("monitoring",), "https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.notificationChannels"),
    # A new project is linked to its billing account through the Cloud Billing API.
    "gcp:organizations/project:Project": (
        ("cloudresourcemanager", "cloudbilling"),
        "https://cloud.google.com/resource-manager/reference/rest/v3/projects; "
        "https://cloud.google.com/billing/docs/reference/rest/v1/projects/updateBillingInfo"),
    "gcp:projects/iAMMember:IAMMember": (
        ("cloudresourcemanager",), "https://cloud.google.com/resource-manager/reference/rest/v3/projects/setIamPolicy"),
    "gcp:projects/service:Service": (("serviceusage",), "https://cloud.google.com/service-usage/docs/reference/rest"),
    "gcp:serviceaccount/account:Account": (("iam",), f"{_IAM_API}/v1/projects.serviceAccounts"),
    "gcp:serviceaccount/iAMMember:IAMMember": (("iam",), f"{_IAM_API}/v1/projects.serviceAccounts/setIamPolicy"),
    "gcp:storage/bucket:Bucket": (("storage",), "https://cloud.google.com/storage/docs/json_api/v1/buckets"),
    "gcp:storage/bucketIAMMember:BucketIAMMember": (
        ("storage",), "https://cloud.google.com/storage/docs/json_api/v1/buckets/setIamPolicy"),
}
