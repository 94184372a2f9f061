locals {
  # Metric types the dashboard charts, named even when their log-based metric is not created (no events
  # service): such a chart stays empty instead of breaking the dashboard.
  dashboard_metrics = {
    for key in [
      "scrape_rounds", "scrape_nodes_failed", "scrape_nodes", "scrape_points", "scrape_duration",
      "events_written", "events_gaps", "events_write_failures",
    ] : key => "logging.googleapis.com/user/${var.name_prefix}/${key}"
  }
  # The logs filter goes inside a JSON string: escaped by jsonencode, without its surrounding quotes.
  json_report_filter = trimsuffix(trimprefix(jsonencode(local.round_reports), "\""), "\"")
}

resource "google_monitoring_dashboard" "heapster" {
  project = var.project_id
  dashboard_json = templatefile("${path.module}/dashboard.json.tftpl", merge(local.dashboard_metrics, {
    cluster       = var.cluster_name
    project       = var.project_id
    report_filter = local.json_report_filter
  }))
}
