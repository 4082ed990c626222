"""Home directories on an NFS server you already run: nothing is created but the volume that mounts it.

The files stay outside this program's state, so no update or `pulumi destroy`
can delete them; the PersistentVolume is Retain (volumes.py) as on the clouds.
"""

from dataclasses import dataclass

import pulumi
from pydantic import Field

from components.fields import Base

from .base import HomeArgs, NFSHome


class NfsExport(Base):
    """Where the homes are: one directory per user is made inside `path` on first login."""

    server: str = Field(pattern=r"^[A-Za-z0-9]([-.A-Za-z0-9]*[A-Za-z0-9])?$", description="Host name or IP address.")
    path: str = Field("/", pattern=r"^/", description="Exported directory.")
    # NFSv4.1 with hard mounts: a server restart pauses users' file access instead of failing it.
    mount_options: list[str] = Field(["nfsvers=4.1", "hard", "timeo=600", "retrans=2"], min_length=1)


@dataclass(frozen=True, kw_only=True)
class NfsServerHomeArgs(HomeArgs):
    export: NfsExport


class NfsServerHome(NFSHome):
    """The export, bound to a claim in the hub's namespace."""

    def __init__(self, name: str, args: NfsServerHomeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("pangeo:index:NfsServerHome", name, None, opts)
        export = args.export
        self._mount(name, args, server=export.server, path=export.path, mount_options=export.mount_options, storage=None)
