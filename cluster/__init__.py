"""The farm and what is built on it, in four rooms, each importing only the rooms below it:

- `cluster.jobs`: the Redis job store, lesson runner actors, webhooks, quotas (uses lessons);
- `cluster.lessons`: lessons made and edited, the studio service (uses farm and delivery);
- `cluster.farm`: the farm on Ray: coordinator, planner, workers, chunk cache, the Ray head;
- `cluster.delivery`: artifacts: storage (local directory or S3), CloudFront, publishing.

This package itself imports nothing, so importing one room never loads the others.
"""
