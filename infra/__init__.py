"""pangeo-hubs: the stack config, the per-cloud compositions and the offline plan."""
