"""Web plumbing shared by every app: the page cache and its purge, headers, probes and policies
that are not any one app's business."""
