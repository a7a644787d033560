"""Show and usage analytics: hand summaries from event logs, Ray Data aggregations, exports and reports."""
