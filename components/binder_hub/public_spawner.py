# The hub's spawner on a public binder (hub.extraConfig, run by z2jh's jupyterhub_config.py after
# binderspawner_mixin.py): BinderHub launches servers with the image it built and a token
# in user_options; this refuses any image outside the hub's own registry, so an anonymous
# caller of the hub API can't run arbitrary images. BINDER_IMAGE_PATTERN is hub.extraEnv.
import os
import re

from kubespawner import KubeSpawner
from tornado import web


class BinderSpawner(BinderSpawnerMixin, KubeSpawner):  # noqa: F821 (defined by binderspawner_mixin.py)
    def start(self):
        image = self.user_options.get("image", "")
        if not re.fullmatch(os.environ["BINDER_IMAGE_PATTERN"], image):
            raise web.HTTPError(400, f"image {image!r} was not built by this binder")
        return super().start()


c.JupyterHub.spawner_class = BinderSpawner  # noqa: F821 (c is the hub's config)
