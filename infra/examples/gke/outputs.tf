output "dashboard" {
  description = "Console link of the cluster's dashboard."
  value       = module.heapster.dashboard
}

output "round_reports_query" {
  description = "Logs Explorer query for the scrape round reports."
  value       = module.heapster.round_reports_query
}

output "secrets_to_fill" {
  description = "Secrets that need a value before the workloads start."
  value       = module.heapster.secrets_to_fill
}
