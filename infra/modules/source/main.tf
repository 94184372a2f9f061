resource "google_storage_bucket" "source" {
  project                     = var.project_id
  name                        = var.bucket_name
  location                    = var.location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = var.labels
}

# The object name carries the archive's hash, so a new package is a new object and the functions that read it
# are rebuilt; the previous object is deleted once they have moved on.
resource "google_storage_bucket_object" "archive" {
  bucket       = google_storage_bucket.source.name
  name         = "heapster-serverless-${filemd5(var.archive_path)}.zip"
  source       = var.archive_path
  content_type = "application/zip"
}
