"""A BinderHub's arguments: who may build, and a public binder's abuse limits."""

from typing import Literal

from pydantic import Field, IPvAnyNetwork, model_validator

from components.fields import Base, Int, Key, Number, reject


class Quota(Base):
    """A public binder's hard cap on its anonymous servers and Dask pods together (quota.py);
    each unset number is derived from the binder pool's max_nodes and the server's size."""

    servers: Int | None = Field(None, ge=0, le=10000, description="Servers at once (BinderHub LaunchQuota.total_quota, "
                                "pod_quota's new name); 0 refuses every launch. Unset: as many as cpu and memory_gb "
                                "hold at a server's limits.")
    pods: Int | None = Field(None, ge=1, le=100000, description="Servers and Dask pods at once (ResourceQuota pods). "
                             "Unset: the servers and every Dask pod their users may hold.")
    cpu: Number | None = Field(None, gt=0, le=100000, description="CPU limits (and requests) of them all at once. "
                               "Unset: what the binder pool holds at max_nodes.")
    memory_gb: Number | None = Field(None, gt=0, le=1000000, description="Memory limits (and requests) of them all "
                                     "at once in GiB. Unset: what the binder pool holds at max_nodes.")


class PublicBinder(Base):
    """The abuse limits of a public binder, whose users are anonymous and whose servers are throwaway."""

    per_repo_quota: Int = Field(150, ge=1, le=10000, description="Servers running at once from one repository.")
    cull_idle_minutes: Int = Field(10, ge=1, le=24 * 60, description="An idle server is stopped after this long.")
    cull_max_age_hours: Number = Field(3, gt=0, le=48, description="Every server is stopped at this age, idle or not.")
    cpu: Number = Field(1, gt=0, le=8, description="CPU limit of one server (half of it guaranteed).")
    memory_gb: Number = Field(2, gt=0, le=32, description="Memory limit of one server in GiB (half of it guaranteed).")
    dask_max_workers: Int = Field(
        4, ge=0, le=100, description="Workers one Dask cluster may have (dask-gateway cluster_max_workers); "
        "a cluster is also stopped at cull_max_age_hours and as soon as its user has no running server.")
    server_pool: Key | None = Field(
        None, description="The node pool of purpose binder its servers and Dask pods run on; unset: the stack's only one."
    )
    build_pool: Key | None = Field(
        None, description="The node pool of purpose build its image builds run on; unset: the stack's only one."
    )
    quota: Quota = Field(default_factory=Quota, description="The hard cap on all its servers and Dask pods at once.")
    ban_networks: dict[IPvAnyNetwork, str] = Field(
        default_factory=dict, description="CIDR -> reason: BinderHub refuses launch and build requests from these."
    )


class Binder(Base):
    """Binder on this hub: users build images from repositories and launch them.

    `authenticated`: a feature of a hub with logins, open to `builders` (all users if
    empty). `public`: the hub *is* a binder (mybinder.org-like): anonymous users,
    throwaway servers, no home storage, and the `public` limits. The old
    `enabled: true` still reads as `mode: authenticated` (and `false` as no binder).
    """

    mode: Literal["authenticated", "public"] | None = Field(None, description="Who may build and launch; unset: no binder.")
    builders: list[Key] = Field(
        default_factory=list, description="authenticated: groups whose members may build; empty: every user."
    )
    public: PublicBinder | None = Field(None, description="public: the abuse limits (defaults apply if unset).")

    @model_validator(mode="before")
    @classmethod
    def _enabled_is_authenticated(cls, data):
        if isinstance(data, dict) and "enabled" in data:
            if "mode" in data:
                reject([("enabled", "is the old spelling of mode; set only mode")])
            if not isinstance(data["enabled"], bool):
                reject([("enabled", f"must be true or false, got {data['enabled']!r}")])
            data = {**{k: v for k, v in data.items() if k != "enabled"},
                    "mode": "authenticated" if data["enabled"] else None}
        return data

    @model_validator(mode="after")
    def _mode_fields(self):
        problems = []
        if self.builders and self.mode != "authenticated":
            problems.append(("builders", "only applies in mode authenticated (a public binder builds for anyone)"))
        if self.public is not None and self.mode != "public":
            problems.append(("public", "only applies in mode public"))
        reject(problems)
        return self

    @property
    def enabled(self) -> bool:
        return self.mode is not None

    @property
    def limits(self) -> PublicBinder:
        return self.public or PublicBinder()
