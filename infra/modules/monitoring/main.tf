# Log-based metrics from the services' own structured logs: the scrape function logs one line per round with
# jsonPayload.report, the events service logs its gaps and write failures, and the event sinks' output (the
# gcl log, or the log sink's lines) shows what was written.

locals {
  scrape_logs = join(" ", [
    "((resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${var.scrape_function}\")",
    "OR (resource.type=\"cloud_function\" AND resource.labels.function_name=\"${var.scrape_function}\"))",
  ])
  round_reports = "${local.scrape_logs} AND jsonPayload.report.cluster=\"${var.cluster_name}\""
  watching      = var.events_service != null
  events_logs   = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${coalesce(var.events_service, "-")}\""

  gcl_events = var.event_log_id == null ? [] : [
    "(logName=\"projects/${var.project_id}/logs/${urlencode(var.event_log_id)}\" AND resource.labels.cluster_name=\"${var.cluster_name}\")",
  ]
  printed_events = local.watching ? ["(${local.events_logs} AND jsonPayload.occurrence:*)"] : []
  events_written = join(" OR ", concat(local.gcl_events, local.printed_events))

  exponential_buckets = { num_finite_buckets = 20, growth_factor = 2, scale = 1 }

  distributions = {
    scrape_nodes_failed = { field = "jsonPayload.report.nodes.failed", unit = "1", description = "Nodes whose summary could not be read, per round." }
    scrape_nodes        = { field = "jsonPayload.report.nodes.total", unit = "1", description = "Nodes in the cluster, per round." }
    scrape_points       = { field = "jsonPayload.report.points", unit = "1", description = "Points a round wrote (before sink rejections)." }
    scrape_duration     = { field = "jsonPayload.report.durationMs", unit = "ms", description = "Duration of a round." }
  }

  counters = merge(
    {
      scrape_rounds = {
        filter      = local.round_reports
        description = "Scrape rounds by HTTP status (200, or 503 when discovery or every sink failed) and severity."
        labels = {
          status   = { extractor = "EXTRACT(jsonPayload.report.status)", description = "The round's HTTP status." }
          severity = { extractor = "EXTRACT(severity)", description = "INFO, WARNING (some nodes or sinks failed) or ERROR." }
        }
      }
    },
    # Conditional maps as filtered for-expressions: the two branches of `?:` would need one object type.
    { for key, counter in {
      events_gaps = {
        filter      = "${local.events_logs} AND jsonPayload.message:\"no longer had the history\""
        description = "Relists after the API server's watch history expired: events of the gap may be missing."
        labels      = {}
      }
      events_write_failures = {
        filter      = "${local.events_logs} AND jsonPayload.message:\"events: writing failed\""
        description = "Failed event writes (each is retried until it succeeds or the lease ends)."
        labels      = {}
      }
    } : key => counter if local.watching },
    { for key, counter in {
      events_written = {
        filter      = local.events_written
        description = "Event occurrences written by the gcl sink or printed by the log sink."
        labels      = {}
      }
    } : key => counter if local.events_written != "" },
  )
}

resource "google_logging_metric" "counter" {
  for_each = local.counters

  project     = var.project_id
  name        = "${var.name_prefix}/${each.key}"
  description = each.value.description
  filter      = each.value.filter

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "${var.name_prefix} ${replace(each.key, "_", " ")}"

    dynamic "labels" {
      for_each = each.value.labels
      content {
        key         = labels.key
        value_type  = "STRING"
        description = labels.value.description
      }
    }
  }

  label_extractors = { for key, label in each.value.labels : key => label.extractor }
}

resource "google_logging_metric" "distribution" {
  for_each = local.distributions

  project         = var.project_id
  name            = "${var.name_prefix}/${each.key}"
  description     = each.value.description
  filter          = local.round_reports
  value_extractor = "EXTRACT(${each.value.field})"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "DISTRIBUTION"
    unit         = each.value.unit
    display_name = "${var.name_prefix} ${replace(each.key, "_", " ")}"
  }

  bucket_options {
    exponential_buckets {
      num_finite_buckets = local.exponential_buckets.num_finite_buckets
      growth_factor      = local.exponential_buckets.growth_factor
      scale              = local.exponential_buckets.scale
    }
  }
}

locals {
  metric_types = merge(
    { for key, m in google_logging_metric.counter : key => "logging.googleapis.com/user/${m.name}" },
    { for key, m in google_logging_metric.distribution : key => "logging.googleapis.com/user/${m.name}" },
  )
}
