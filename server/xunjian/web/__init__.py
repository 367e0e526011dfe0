"""Flask plumbing shared by every area's routes: API class, request context, errors, paging."""
