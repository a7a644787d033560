"""Operations telemetry: the metric catalogue, Prometheus exposition, API metrics and OpenTelemetry traces."""
