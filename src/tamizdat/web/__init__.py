"""Web plumbing shared by every app: policies and headers that are not any one app's business."""
