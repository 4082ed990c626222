"""Home directories on cloud NFS: the interface, Filestore and EFS variants, and the sync Job."""

from .base import HomeArgs, NFSHome

__all__ = ["HomeArgs", "NFSHome"]
