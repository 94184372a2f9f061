output "dashboard_id" {
  description = "ID of the Cloud Monitoring dashboard."
  value       = google_monitoring_dashboard.heapster.id
}

output "log_metrics" {
  description = "Metric types of the log-based metrics, by name."
  value       = local.metric_types
}

output "alert_policies" {
  description = "Names of the alert policies."
  value = concat(
    [google_monitoring_alert_policy.scrape_silent.name],
    [for p in google_monitoring_alert_policy.events_stalled : p.name],
  )
}

output "round_reports_filter" {
  description = "Logs Explorer query for the scrape function's round reports."
  value       = local.round_reports
}
