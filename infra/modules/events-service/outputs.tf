output "service_name" {
  description = "Name of the Cloud Run service."
  value       = google_cloud_run_v2_service.events.name
}

output "service_uri" {
  description = "Internal URI of the service (its health endpoints)."
  value       = google_cloud_run_v2_service.events.uri
}

output "service_account_email" {
  description = "Identity the events service runs as."
  value       = google_service_account.events.email
}
