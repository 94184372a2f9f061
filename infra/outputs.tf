output "scrape_function" {
  description = "Name and URI of the scrape function."
  value       = { name = module.scrape.function_name, uri = module.scrape.function_uri }
}

output "scheduler_job" {
  description = "The Cloud Scheduler job that starts every round, its schedule and how many retries a failed round gets."
  value       = { name = module.scheduler.job_name, schedule = module.scheduler.schedule, retries = module.scheduler.retry_count }
}

output "events_service" {
  description = "Name and internal URI of the events service; null when it is not deployed."
  value       = var.events.enabled ? { name = module.events[0].service_name, uri = module.events[0].service_uri } : null
}

output "service_accounts" {
  description = "The identities the workloads run as and the one the scheduler calls with."
  value = {
    scrape  = module.scrape.service_account_email
    events  = var.events.enabled ? module.events[0].service_account_email : null
    invoker = module.scheduler.invoker_email
  }
}

output "secrets_to_fill" {
  description = "Secret Manager secrets that need a value before the workloads can start: add one with `gcloud secrets versions add ID --data-file=FILE`."
  value       = module.state.secrets_awaiting_values
}

output "firestore_database" {
  description = "The Firestore database holding counters and the events checkpoint."
  value       = module.state.database
}

output "dashboard" {
  description = "Cloud Monitoring dashboard of the cluster and of the service's own health."
  value       = "https://console.cloud.google.com/monitoring/dashboards/builder/${element(split("/", module.monitoring.dashboard_id), 3)}?project=${var.project_id}"
}

output "round_reports_query" {
  description = "Logs Explorer query showing each scrape round's report."
  value       = module.monitoring.round_reports_filter
}

output "environment" {
  description = "The configuration the workloads read (no secret values: those are references)."
  value = {
    scrape = local.scrape_environment
    events = var.events.enabled ? local.events_environment : null
  }
}
