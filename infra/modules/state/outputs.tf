output "database" {
  description = "The Firestore database ID (FIRESTORE_DATABASE)."
  value       = google_firestore_database.heapster.name
}

output "secret_ids" {
  description = "Secret IDs by role (influxdb, kubeconfig, cluster_ca)."
  value       = { for role, s in google_secret_manager_secret.this : role => s.secret_id }
}

output "secrets_awaiting_values" {
  description = "Secrets whose value the operator adds with `gcloud secrets versions add`."
  value       = sort([for role, s in google_secret_manager_secret.this : s.secret_id if role != "cluster_ca"])
}
