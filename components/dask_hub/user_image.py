"""What the user images the stacks pin ship, for the code that runs inside them.

The notebook's dask-gateway client, and the dask schedulers and workers that
default to the user's image, run these versions; requirements-healthcheck.txt
pins the same ones so the end-to-end test runs the client production runs.
Source: pangeo-data/pangeo-docker-images, pangeo-notebook/packages.txt at the tag;
ml-notebook's environment.yml depends on the pangeo-notebook metapackage of the
same tag, which pins these exactly.
"""

USER_IMAGE_PACKAGES: dict[str, dict[str, str]] = {
    "pangeo/pangeo-notebook:2024.06.21": {
        "dask-gateway": "2024.1.0",
        "dask": "2024.6.2",
        "distributed": "2024.6.2",
        "jupyterhub-singleuser": "5.0.0",
        # `/hub/user-redirect/git-pull?repo=...` links (docs/users.md) need it in the image.
        "nbgitpuller": "1.2.1",
    },
}
USER_IMAGE_PACKAGES["pangeo/ml-notebook:2024.06.21"] = USER_IMAGE_PACKAGES["pangeo/pangeo-notebook:2024.06.21"]
