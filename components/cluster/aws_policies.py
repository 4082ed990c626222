"""IAM and ECR documents for the EKS cluster: pure functions, tested without the Pulumi runtime."""

import json

from .args import NodePool
from .node_roles import node_labels, node_taints


def _document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def service_trust_policy(service: str) -> str:
    """Lets an AWS service (eks, ec2) assume a role."""
    return _document({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def irsa_trust_policy(provider_arn: str, issuer: str, namespace: str, service_account: str) -> str:
    """Lets exactly one Kubernetes service account assume a role through the cluster's OIDC provider."""
    host = issuer.removeprefix("https://")
    return _document({
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {
            f"{host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
            f"{host}:aud": "sts.amazonaws.com",
        }},
    })


def scratch_bucket_policy(bucket_arn: str) -> str:
    """Read, write and list one bucket and nothing else."""
    return _document(
        {"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
         "Resource": bucket_arn},
        {"Effect": "Allow", "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject",
                                       "s3:ListMultipartUploadParts", "s3:PutObject"],
         "Resource": f"{bucket_arn}/*"},
    )


# What pushing an image takes (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html),
# plus CreateRepository: BinderHub names one image per built repository, and ECR makes
# each a repository, created at its first push from the hub's creation template.
_ECR_PUSH = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
             "ecr:CreateRepository", "ecr:DescribeImages", "ecr:DescribeRepositories", "ecr:GetDownloadUrlForLayer",
             "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"]


def ecr_push_policy(repositories_arn: str) -> str:
    """Log in to ECR (GetAuthorizationToken takes no resource) and push under one hub's prefix only."""
    return _document(
        {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Effect": "Allow", "Action": _ECR_PUSH, "Resource": repositories_arn},
    )


def ecr_lifecycle_policy(days: int) -> str:
    """Expire every image `days` after its push; BinderHub rebuilds on the next launch."""
    return json.dumps({"rules": [{
        "rulePriority": 1, "description": f"expire binder images after {days} days",
        "selection": {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": days},
        "action": {"type": "expire"},
    }]})


def autoscaler_policy(cluster_name: str) -> str:
    """Describe anything; resize only the node groups tagged as this cluster's (the upstream policy)."""
    return _document(
        {"Effect": "Allow", "Resource": "*", "Action": [
            "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
            "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
            "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
            "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
            "eks:DescribeNodegroup"]},
        {"Effect": "Allow", "Resource": "*",
         "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
         "Condition": {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}}},
    )


def autoscaler_tags(cluster_name: str, pool: NodePool) -> dict[str, str]:
    """Auto-discovery tags, plus node-template tags so a pool at zero nodes can still be picked.

    The autoscaler reads a managed node group's labels and taints (eks:DescribeNodegroup)
    when it has no node to look at; the node-template tags say the same for tooling
    that only sees tags.
    """
    template = "k8s.io/cluster-autoscaler/node-template"
    tags = {"k8s.io/cluster-autoscaler/enabled": "true", f"k8s.io/cluster-autoscaler/{cluster_name}": "owned"}
    tags |= {f"{template}/label/{k}": v for k, v in node_labels(pool.purpose).items()}
    tags |= {f"{template}/taint/{t['key']}": f"{t['value']}:{t['effect']}" for t in node_taints(pool.purpose, pool.draining)}
    return tags
