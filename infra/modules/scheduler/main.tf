locals {
  minutes  = var.interval_seconds / 60
  schedule = local.minutes == 60 ? "0 * * * *" : local.minutes == 1 ? "* * * * *" : "*/${local.minutes} * * * *"

  # A retried round carries its original schedule time, so it is only worth trying while it can finish before
  # the next round starts: retries begin within interval - deadline of the first attempt, and at most as many
  # as fit if every attempt used its whole deadline. A quick failure (the API server said 503) is retried.
  backoff_seconds = 5
  retry_window    = max(0, var.interval_seconds - var.attempt_deadline_seconds)
  retry_count     = min(5, floor(local.retry_window / (var.attempt_deadline_seconds + local.backoff_seconds)))
}

resource "google_service_account" "invoker" {
  project      = var.project_id
  account_id   = "${var.name}-inv"
  display_name = "Heapster scrape invoker"
  description  = "Cloud Scheduler calls the scrape function as this account; it may invoke that function only."
}

resource "google_cloud_run_v2_service_iam_member" "invoker" {
  project  = var.project_id
  location = var.region
  name     = var.target.service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.invoker.email}"
}

resource "google_cloud_scheduler_job" "scrape" {
  project          = var.project_id
  region           = var.region
  name             = var.name
  description      = "Starts a Heapster scrape round every ${var.interval_seconds} seconds."
  schedule         = local.schedule
  time_zone        = var.time_zone
  paused           = var.paused
  attempt_deadline = "${var.attempt_deadline_seconds}s"

  retry_config {
    retry_count          = local.retry_count
    max_retry_duration   = "${local.retry_window}s"
    min_backoff_duration = "${local.backoff_seconds}s"
    max_backoff_duration = "${local.backoff_seconds}s"
    max_doublings        = 0
  }

  http_target {
    http_method = "POST"
    uri         = var.target.uri
    headers = {
      "Content-Type" = "application/json"
    }
    body = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = var.target.uri
    }
  }

  depends_on = [google_cloud_run_v2_service_iam_member.invoker]
}
