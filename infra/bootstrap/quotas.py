"""Account quotas a stack's plan would exceed, found before `pulumi up` fails half-way."""

from dataclasses import dataclass

from botocore.exceptions import ClientError

from components.cluster.eks import DEFAULT_EIP_QUOTA, EIP_QUOTA_CODE


@dataclass(frozen=True)
class QuotaShortfall:
    """The plan needs more of something than the account may hold."""

    name: str
    code: str
    needed: int
    allowed: int
    region: str

    @property
    def request_command(self) -> str:
        return (f"aws service-quotas request-service-quota-increase --service-code ec2 --quota-code {self.code} "
                f"--desired-value {self.needed} --region {self.region}")

    def __str__(self) -> str:
        return (f"the stack needs {self.needed} {self.name} but the account may hold {self.allowed} in {self.region}; "
                f"raise quota {self.code} first")


def planned_elastic_ips(resources: list[dict]) -> int:
    return sum(1 for r in resources if r["type"] == "aws:ec2/eip:Eip")


def elastic_ip_quota(session, region: str) -> int:
    """The account's applied EC2-VPC Elastic IP quota, or AWS's default where Service Quotas has none to report."""
    client = session.client("service-quotas", region_name=region)
    try:
        return int(client.get_service_quota(ServiceCode="ec2", QuotaCode=EIP_QUOTA_CODE)["Quota"]["Value"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchResourceException":
            raise
        return DEFAULT_EIP_QUOTA


def elastic_ip_shortfall(session, region: str, needed: int) -> QuotaShortfall | None:
    """The Elastic IPs the plan declares against the account's quota; None if they fit."""
    allowed = elastic_ip_quota(session, region)
    if needed <= allowed:
        return None
    return QuotaShortfall("EC2-VPC Elastic IPs", EIP_QUOTA_CODE, needed, allowed, region)
