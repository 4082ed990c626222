"""pangeo-hubs' policy pack: `pulumi preview --policy-pack policy` (the workflows pass it)."""

from pulumi_policy import EnforcementLevel, PolicyPack

from pack import POLICIES

PolicyPack(name="pangeo-hubs", enforcement_level=EnforcementLevel.MANDATORY, policies=POLICIES)
