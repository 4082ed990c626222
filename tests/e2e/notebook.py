"""What a user runs in their notebook, run by the tests with ONLY the notebook's env.

No address, auth or token is passed in code: dask_gateway reads the
DASK_GATEWAY__* variables the chart's singleuser.extraEnv sets and the
server's JUPYTERHUB_API_TOKEN, exactly as in a user pod.

    python notebook.py journey          -> new cluster, 2 workers, a computation
    python notebook.py intrude NAME     -> try to see / connect to / stop NAME
    python notebook.py shutdown NAME    -> stop NAME (the owner)

Prints one JSON line with what happened.
"""

import faulthandler
import gc
import json
import os
import sys

from dask_gateway import Gateway


def journey(gateway):
    import dask

    cluster = gateway.new_cluster(shutdown_on_close=False)  # kept for the isolation step
    cluster.scale(2)
    client = cluster.get_client(set_as_default=False)
    client.wait_for_workers(2, timeout=90)
    # a small graph over several tasks (the user image has numpy; this venv needs none)
    chunks = [dask.delayed(sum)(range(i, i + 100)) for i in range(0, 10_000, 100)]
    total = client.compute(dask.delayed(sum)(chunks)).result()
    squares = client.gather(client.map(lambda x: x * x, range(10)))
    workers = len(client.scheduler_info()["workers"])
    client.close()
    cluster.close()
    return {"name": cluster.name, "workers": workers, "total": float(total), "squares": sum(squares),
            "image": next(c for c in gateway.list_clusters() if c.name == cluster.name).options.get("image")}


def _error(call):
    try:
        call()
    except Exception as e:  # what the user sees
        return f"{type(e).__name__}: {e}"
    return None


def intrude(gateway, name):
    # dask_gateway 2024.1.0: the half-built GatewayCluster of a failed connect()
    # deadlocks the client if garbage-collected on its loop thread; so no GC,
    # connect() last, and main() exits without finalizers.
    gc.disable()
    return {
        "listed": [c.name for c in gateway.list_clusters()],
        "report_error": _error(lambda: gateway.get_cluster(name)),
        "stop_error": _error(lambda: gateway.stop_cluster(name)),
        "connect_error": _error(lambda: gateway.connect(name)),
    }


def shutdown(gateway, name):
    before = {c.name: c.status.name for c in gateway.list_clusters()}
    gateway.stop_cluster(name)
    return {"before": before, "after": [c.name for c in gateway.list_clusters()]}


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    faulthandler.dump_traceback_later(100, exit=True)  # a hang shows where, before the test's timeout
    result = {"journey": journey, "intrude": intrude, "shutdown": shutdown}[mode](Gateway(), *args)
    print(json.dumps(result), flush=True)
    os._exit(0)  # skip dask_gateway's __del__ finalizers (see intrude)
