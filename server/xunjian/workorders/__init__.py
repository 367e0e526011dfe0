"""Engineering work orders: requests, dispatch, the engineer's phone, SLAs and escalation,
return visits, metrics, notifications and outbound webhooks (issue 6). See docs/WORKORDERS.md."""
