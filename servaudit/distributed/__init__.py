"""One audit on several machines (docs/distributed.md): `run --distributed` enqueues due inquiries as
jobs of procrastinate's queue in the store's PostgreSQL, `servaudit worker` runs them with the same
channel code as `servaudit run` (``engine.deliver``).

- ``queue.py``: the queue's names, procrastinate's app over the store's database, installing its tables;
- ``dispatch.py``: `run --distributed`, the agenda's due inquiries composed and enqueued;
- ``jobs.py``: what a job does (send one inquiry, collect, recover what a dead worker left);
- ``worker.py``: `servaudit worker`, the jobs run with bounded browser contexts.
"""
