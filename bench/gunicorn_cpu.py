"""gunicorn config for the load test: each worker records the CPU time of every request it serves.

A sync worker serves one request at a time, so the change in its process CPU time (`time.process_time`, user
+ system) between `pre_request` and `post_request` is what that request cost the web tier, whatever else ran
on the cores meanwhile. One line per request, `<cpu ms>\t<method>\t<path>?<query>\t<status>`, in a file per
worker under PULSE_LOAD_CPU_DIR; bench/load.py groups them by request name.
"""

import os
import time

_started: dict[int, float] = {}


def pre_request(worker, req):
    _started[worker.pid] = time.process_time()


def post_request(worker, req, environ, resp):
    started = _started.pop(worker.pid, None)
    directory = os.environ.get("PULSE_LOAD_CPU_DIR")
    if started is None or not directory:
        return
    cpu_ms = (time.process_time() - started) * 1000  # before the write below, which the request did not cost
    query = f"?{req.query}" if req.query else ""
    with open(os.path.join(directory, f"worker-{worker.pid}.tsv"), "a") as handle:
        handle.write(f"{cpu_ms:.2f}\t{req.method}\t{req.path}{query}\t{getattr(resp, 'status_code', '')}\n")
