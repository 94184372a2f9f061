locals {
  # Absence is judged in whole minutes and never under two.
  missed_seconds = max(120, ceil(var.missed_rounds * var.interval_seconds / 60) * 60)
  # Summed over every series, so that a new revision (a new resource) does not look like a silence.
  summed = {
    alignment_period     = "${max(60, var.interval_seconds)}s"
    per_series_aligner   = "ALIGN_SUM"
    cross_series_reducer = "REDUCE_SUM"
  }
}

resource "google_monitoring_alert_policy" "scrape_silent" {
  project               = var.project_id
  display_name          = "Heapster: no successful scrape of ${var.cluster_name} in ${var.missed_rounds} intervals"
  combiner              = "OR"
  notification_channels = var.notification_channels
  severity              = "ERROR"

  conditions {
    display_name = "No round answered 200 for ${local.missed_seconds}s"
    condition_absent {
      filter   = "metric.type=\"${local.metric_types.scrape_rounds}\" AND metric.label.status=\"200\""
      duration = "${local.missed_seconds}s"
      aggregations {
        alignment_period     = local.summed.alignment_period
        per_series_aligner   = local.summed.per_series_aligner
        cross_series_reducer = local.summed.cross_series_reducer
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "Heapster scrape of ${var.cluster_name} is not succeeding"
    content   = <<-EOT
      No scrape round of cluster ${var.cluster_name} answered 200 for ${local.missed_seconds} seconds
      (${var.missed_rounds} intervals of ${var.interval_seconds}s): metrics are not being written.

      Look at the round reports in Logs Explorer (docs/operations.md, "Each round's report"):
      `${local.round_reports}`.
      No report at all means the scheduler is not calling the function or the function does not start
      (check the Cloud Scheduler job's last run and the function's logs for "invalid configuration").
    EOT
  }
}

resource "google_monitoring_alert_policy" "events_stalled" {
  count = local.watching ? 1 : 0

  project               = var.project_id
  display_name          = "Heapster: event watcher of ${var.cluster_name} not writing"
  combiner              = "OR"
  notification_channels = var.notification_channels
  severity              = "WARNING"

  # Writes keep failing: the watcher retries every failed batch with backoff up to 30s and logs each retry.
  conditions {
    display_name = "Event writes failing for 10 minutes"
    condition_threshold {
      filter          = "metric.type=\"${local.metric_types.events_write_failures}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "600s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
      trigger {
        count = 1
      }
    }
  }

  dynamic "conditions" {
    for_each = var.events_quiet_minutes > 0 && contains(keys(local.metric_types), "events_written") ? [1] : []
    content {
      display_name = "No event occurrence written for ${var.events_quiet_minutes} minutes"
      condition_absent {
        filter   = "metric.type=\"${local.metric_types["events_written"]}\""
        duration = "${var.events_quiet_minutes * 60}s"
        aggregations {
          alignment_period     = "60s"
          per_series_aligner   = "ALIGN_SUM"
          cross_series_reducer = "REDUCE_SUM"
        }
        trigger {
          count = 1
        }
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "Heapster event watcher of ${var.cluster_name} is not writing"
    content   = <<-EOT
      The events service of cluster ${var.cluster_name} either keeps failing to write occurrences or has
      written none for ${var.events_quiet_minutes} minutes (a quiet cluster can cause the second: raise or turn
      off events_quiet_minutes then).

      Look at its logs (docs/operations.md, "The event watcher"): `${local.events_logs} AND severity>=WARNING`.
    EOT
  }
}
