output "bucket" {
  description = "Bucket holding the deployable archive."
  value       = google_storage_bucket.source.name
}

output "object" {
  description = "Object name of the deployable archive."
  value       = google_storage_bucket_object.archive.name
}
