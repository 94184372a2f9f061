output "job_name" {
  description = "Name of the Cloud Scheduler job."
  value       = google_cloud_scheduler_job.scrape.name
}

output "schedule" {
  description = "The job's cron schedule."
  value       = local.schedule
}

output "retry_count" {
  description = "Retries of a failed round that fit before the next one."
  value       = local.retry_count
}

output "invoker_email" {
  description = "The account whose OIDC token the job sends."
  value       = google_service_account.invoker.email
}
